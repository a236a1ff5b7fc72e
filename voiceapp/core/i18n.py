"""Translations from the babel catalogs under locales/<lang>/LC_MESSAGES/messages.po.

English is the source language. Catalogs are compiled in memory from the .po file the
first time a language is asked for, so a fresh `pip install -e .` needs no compile step
and a stale .mo can never shadow an edited .po. babel's Translations.load() would silently
fall back to the English text when no .mo exists, hence this loader, which refuses to run
without the catalog instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
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


def N_(message: str) -> str:
    """Mark a sentence for `pybabel extract` where it is written (N_ is one of babel's
    default keywords); it is translated later, where it is shown, in the reader's language."""
    return message


@dataclass(frozen=True)
class Plural:
    """A sentence whose wording depends on its %(count)s ("1 room", "2 rooms")."""

    singular: str
    plural: str


def N_plural(singular: str, plural: str) -> Plural:
    """N_ for a sentence with a count; babel.cfg declares it as the keyword N_plural:1,2."""
    return Plural(singular, plural)


Params = Mapping[str, str | int]


def format_message(language: str, message: str | Plural, params: Params | None = None) -> str:
    """`message` translated into `language`, its %(name)s placeholders filled from `params`.

    As in Django's ValidationError, a message is formatted only when it has params, so a
    sentence without any may hold a literal % (a URL, say). A Plural picks its form by
    params["count"], in the language's own plural rule.
    """
    catalog = translations(language)
    if isinstance(message, Plural):
        if params is None or "count" not in params:
            raise ValueError(f"{message.singular!r} needs a count to pick its plural form")
        text = catalog.ngettext(message.singular, message.plural, int(params["count"]))
    else:
        text = catalog.gettext(message)
    return text if params is None else text % params
