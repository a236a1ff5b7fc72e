"""Text-to-speech locales (fr-FR, fr-CA, es-ES, es-MX, es-419...): what a valid one looks
like, and which language it speaks.

Kept apart from ivr_prompts because settings and the phone-number directory check locales
too, and both sit below the prompts.
"""

from __future__ import annotations

import re

# language-REGION, with the two languages callers are greeted in; 419 is Latin America.
LOCALE_PATTERN = re.compile(r"(fr|es)-([A-Z]{2}|419)")


def parse_locale(raw: str) -> str | None:
    """`raw` as a canonical locale ("es-mx" -> "es-MX"), or None when it is not one."""
    language, _, region = raw.strip().partition("-")
    locale = f"{language.lower()}-{region.upper()}"
    return locale if LOCALE_PATTERN.fullmatch(locale) else None


def language_of(locale: str) -> str:
    return locale.split("-", 1)[0]
