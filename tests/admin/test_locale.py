"""Admin pages in English, French and Spanish, from the babel catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from voiceapp.admin.locale import from_accept_language
from voiceapp.core.i18n import catalog_path, translations

VOICEAPP = Path(__file__).resolve().parents[2] / "voiceapp"
METHODS = [
    ("admin/**.py", "python"),
    ("templates/admin/**.html", "jinja2"),
]
OPTIONS = {"templates/admin/**.html": {"extensions": "jinja2.ext.i18n"}}


def admin_messages() -> list[str | tuple[str, ...]]:
    found = extract_from_dir(str(VOICEAPP), METHODS, options_map=OPTIONS)
    return [message for _file, _line, message, _comments, _context in found]


def test_extraction_finds_the_admin_strings() -> None:
    messages = admin_messages()
    assert "Log in" in messages  # a template string
    assert "Wrong username or password." in messages  # a Python string
    assert ("up to %(num)s caller", "up to %(num)s callers") in messages  # a plural
    assert len(messages) > 100


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_admin_string_is_translated(language: str) -> None:
    """Each string has an entry with a translation (every plural form), not fuzzy:
    babel would otherwise show the English text without a word of warning."""
    with catalog_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    missing = []
    for message in admin_messages():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        forms = [] if entry is None else entry.string
        forms = list(forms) if isinstance(forms, tuple) else [forms]
        if entry is None or entry.fuzzy or not forms or not all(forms):
            missing.append(msgid)
    assert missing == []


def test_pages_render_translated() -> None:
    assert translations("fr").gettext("Password") == "Mot de passe"
    assert translations("es").ngettext("up to %(num)s caller", "up to %(num)s callers", 2) == (
        "hasta %(num)s participantes"
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
        ("de, es;q=0.8, fr;q=0.7", "es"),
        ("en-US,en;q=0.9,fr;q=0.8", "en"),
        ("es;q=0.5, fr;q=0.9", "fr"),
        ("fr;q=0, es;q=0.1", "es"),
        ("de, it", None),
        ("", None),
        ("fr;q=abc", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected
