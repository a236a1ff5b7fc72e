"""Which voice speaks a language: the carrier's <Say> locale and voice, and the espeak-ng
voice that renders our own audio files."""

from __future__ import annotations

from voiceapp.core.models import Language
from voiceapp.core.say_locales import language_of, parse_locale
from voiceapp.core.settings import Settings


def say_locale(language: Language, accent: str | None, settings: Settings) -> str:
    """The <Say language> for `language`: the dialled number's own locale (`accent`, e.g.
    es-MX) when it is one of that language, else the language's configured locale. A
    caller who switches to the other language hears that language's default voice."""
    if accent is not None and language_of(accent) == language.value:
        return accent
    return settings.say_locales[language.value]


def carrier_voice(locale: str, settings: Settings) -> str | None:
    """The <Say voice> for `locale`; None leaves the carrier's default for the language."""
    return settings.say_voices.get(locale)


def espeak_voice(locale: str) -> str:
    """The espeak-ng voice closest to `locale`. espeak-ng has one Latin American Spanish
    voice (es-419) and, besides France, only Belgian and Swiss French."""
    canonical = parse_locale(locale) or locale
    language, _, region = canonical.partition("-")
    if language == "es":
        return "es" if region == "ES" else "es-419"
    return f"fr-{region.lower()}" if region in ("BE", "CH") else "fr-fr"


def render_voice(language: Language, settings: Settings) -> str:
    """The espeak-ng voice our files of `language` are rendered with."""
    return espeak_voice(settings.say_locales[language.value])
