"""Which extension a phone number reaches, and in which language it greets callers."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from voiceapp.core.errors import Conflict, FieldChecks, InvalidInput, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import Extension, Language, PhoneNumber
from voiceapp.core.phone_numbers import to_e164, to_e164_or_none
from voiceapp.core.say_locales import language_of, parse_locale
from voiceapp.switchboard.extensions import get_extension


@dataclass(frozen=True)
class Destination:
    """Where a call to one of our numbers goes."""

    phone_number: PhoneNumber
    extension: Extension

    @property
    def language(self) -> Language:
        return Language(self.phone_number.language)


def check_language(raw: str, *, field: str = "language") -> Language:
    try:
        return Language(raw.strip().lower())
    except ValueError:
        choices = ", ".join(language.value for language in Language)
        raise InvalidInput(
            # Translators: %(choices)s are language codes to type (fr, es), as they are.
            N_("language must be one of %(choices)s, got %(typed)s"),
            params={"choices": choices, "typed": repr(raw)},
            field=field,
        ) from None


def check_say_locale(raw: str, language: Language, *, field: str = "say_locale") -> str | None:
    """A number's own text-to-speech locale, of its language (es-MX for es); "default"
    goes back to the language's configured one."""
    if raw.strip().lower() in ("", "default"):
        return None
    locale = parse_locale(raw)
    if locale is None or language_of(locale) != language.value:
        raise InvalidInput(
            # Translators: the text-to-speech locale of a number (es-MX, fr-CA); "default"
            # is the word to type, as it is.
            N_("say locale must be %(language)s-XX (e.g. %(example)s) or default, got %(typed)s"),
            params={
                "language": language.value,
                "example": f"{language.value}-{'MX' if language is Language.ES else 'CA'}",
                "typed": repr(raw),
            },
            field=field,
        )
    return locale


async def lookup(called: str) -> Destination | None:
    """The destination of a number the carrier says was dialled, or None when unmapped."""
    e164 = to_e164_or_none(called)
    if e164 is None:
        return None
    phone_number = await PhoneNumber.get_or_none(e164=e164).select_related("extension")
    if phone_number is None:
        return None
    return Destination(phone_number=phone_number, extension=phone_number.extension)


async def add_number(raw_number: str, extension_number: str, language: str) -> PhoneNumber:
    """Map a number. Every field is checked, and every refusal reported at once."""
    checks = FieldChecks()
    with checks.field():
        e164 = to_e164(raw_number)
        if await PhoneNumber.exists(e164=e164):
            raise Conflict(
                N_("%(number)s is already mapped; change its destination instead"),
                params={"number": e164},
                field="number",
            )
    with checks.field():
        lang = check_language(language)
    with checks.field():
        extension = await get_extension(extension_number)
    checks.raise_any()
    try:
        return await PhoneNumber.create(e164=e164, extension=extension, language=lang)
    except IntegrityError:  # a concurrent add of the same number won the race
        raise Conflict(
            N_("%(number)s is already mapped"), params={"number": e164}, field="number"
        ) from None


async def get_number(raw_number: str) -> PhoneNumber:
    e164 = to_e164(raw_number)
    phone_number = await PhoneNumber.get_or_none(e164=e164).select_related("extension")
    if phone_number is None:
        raise NotFound(
            N_("%(number)s is not one of our numbers"), params={"number": e164}, field="number"
        )
    return phone_number


async def update_number(
    raw_number: str,
    *,
    extension_number: str | None = None,
    language: str | None = None,
    say_locale: str | None = None,
) -> PhoneNumber:
    phone_number = await get_number(raw_number)
    checks = FieldChecks()
    with checks.field():
        if extension_number is not None:
            phone_number.extension = await get_extension(extension_number)
    with checks.field():
        if language is not None:
            phone_number.language = check_language(language)
    current = phone_number.say_locale
    with checks.field():
        # Checked against the language only once that is known to be right.
        if say_locale is not None and not checks.failed("language"):
            phone_number.say_locale = check_say_locale(say_locale, phone_number.language)
        elif current is not None and language_of(current) != phone_number.language.value:
            phone_number.say_locale = None  # an es-MX voice cannot speak the new language
    checks.raise_any()
    await phone_number.save()
    return phone_number


async def remove_number(raw_number: str) -> PhoneNumber:
    phone_number = await get_number(raw_number)
    await phone_number.delete()
    return phone_number


async def list_numbers() -> list[PhoneNumber]:
    return await PhoneNumber.all().select_related("extension").order_by("e164")
