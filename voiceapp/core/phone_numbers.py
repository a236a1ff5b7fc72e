"""Phone numbers as E.164, through the phonenumbers library."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import N_


def to_e164(raw: str, *, field: str = "number", default_region: str | None = None) -> str:
    """Normalise a typed phone number to E.164 ("+33 1 80 00 00 01" -> "+33180000001").

    Without a default region the number must start with + and its country code, since
    voiceapp serves numbers in several countries and a bare national number is ambiguous.
    """
    text = raw.strip()
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            # Translators: %(typed)s is what was typed, in quotes.
            N_(
                "%(typed)s is not a phone number; write it with + and the country code, "
                "e.g. +33180000001"
            ),
            params={"typed": repr(raw)},
            field=field,
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(
            N_("%(typed)s is not a valid phone number for its country"),
            params={"typed": repr(raw)},
            field=field,
        )
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


@lru_cache(maxsize=1024)
def to_e164_or_none(raw: str) -> str | None:
    """The E.164 form of a number a carrier sent, or None when it is not a valid one
    (carriers send "anonymous", "+266696687" and the like for withheld callers)."""
    try:
        return to_e164(raw)
    except InvalidInput:
        return None
