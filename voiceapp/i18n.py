"""Translations from the babel catalogs under locales/<lang>/LC_MESSAGES/messages.po.

English is the source language. Catalogs are compiled in memory from the .po file the
first time a language is asked for, so a fresh `pip install -e .` needs no compile step
and a stale .mo can never shadow an edited .po. babel's Translations.load() would silently
fall back to the English text when no .mo exists, hence this loader, which refuses to run
without the catalog instead.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "fr", "es")


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """The gettext translations for `language` ("en" gives the source text)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    path = catalog_path(language)
    if not path.is_file():
        raise FileNotFoundError(f"no translation catalog for {language!r} at {path}")
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    return translations(language).ngettext(singular, plural, count)
