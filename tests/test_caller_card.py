"""The caller's card as the README prints it: the keypad menu in French, Spanish and
English, made from the menu itself (conferencing.menu.ITEMS) and the catalogs, so that
the README cannot drift from what the call answers. The page is tested in
tests/admin/test_caller_card_page.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voiceapp.admin.caller_card import (
    CARD_LANGUAGES,
    HOST,
    OPEN_MENU,
    card_keys,
    card_section,
    open_menu_sentence,
)
from voiceapp.conferencing.menu import ITEMS, MENU_KEY
from voiceapp.core.i18n import format_message, gettext

README = Path(__file__).resolve().parent.parent / "README.md"
HEADING = "## Caller's card"


def readme_section() -> str:
    """The README's section, from its heading to the next heading of its level or above."""
    text = README.read_text()
    start = text.index(f"\n{HEADING}\n")
    following = re.search(r"\n#{1,2} ", text[start + 1 :])
    return text[start : start + 1 + following.start()] if following else text[start:]


def expected_table() -> str:
    """The keypad table the README must hold: a row per menu key, in the menu's order;
    each label in French, Spanish and English, host-only keys marked in each language."""
    columns = ("fr", "es", "en")
    names = {"fr": "Français", "es": "Español", "en": "English"}
    lines = [
        "| Key | " + " | ".join(names[language] for language in columns) + " |",
        "| --- | " + " | ".join("---" for _ in columns) + " |",
    ]
    for item in ITEMS:
        cells = []
        for language in columns:
            label = gettext(language, item.label)
            if item.host_only:
                label += f" ({gettext(language, HOST)})"
            cells.append(label)
        lines.append(f"| `{item.key}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def expected_open_menu_lines() -> str:
    return "\n".join(
        "- " + format_message(language, OPEN_MENU, {"key": f"`{MENU_KEY}`"})
        for language in ("fr", "es", "en")
    )


def test_the_readme_table_is_the_menu_translated() -> None:
    section = readme_section()
    table = expected_table()
    assert table in section, (
        "README's Caller's card table differs from menu.ITEMS and the catalogs; "
        f"it should read:\n{table}"
    )


def test_the_readme_says_how_to_open_the_menu_in_each_language() -> None:
    lines = expected_open_menu_lines()
    assert lines in readme_section(), f"the README should say, under {HEADING}:\n{lines}"


def test_the_table_check_sees_a_label_that_drifted() -> None:
    """The check would catch a README written by hand from an older menu."""
    drifted = readme_section().replace(gettext("fr", ITEMS[0].label), "Couper le micro")
    assert expected_table() not in drifted


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_menu_label_is_translated(language: str) -> None:
    for item in ITEMS:
        assert gettext(language, item.label) != item.label, item.label
    assert gettext(language, HOST) != HOST


@pytest.mark.parametrize("language", CARD_LANGUAGES)
def test_the_card_lists_every_menu_key_in_its_language(language: str) -> None:
    keys = card_keys(language)
    assert [key.key for key in keys] == [item.key for item in ITEMS]
    assert [key.label for key in keys] == [gettext(language, item.label) for item in ITEMS]
    assert [key.host_only for key in keys] == [item.host_only for item in ITEMS]
    # Without hosts (a room with no host PIN), only the participants' keys.
    assert [key.key for key in card_keys(language, host_keys=False)] == [
        item.key for item in ITEMS if not item.host_only
    ]


def test_the_menu_key_is_drawn_as_a_key_in_a_translated_sentence() -> None:
    french = open_menu_sentence("fr")
    assert french == (
        'Appuyez sur <kbd class="key">*</kbd> à tout moment pendant l&#39;appel '
        "pour ouvrir le menu."
    )
    assert card_section("en", None).open_menu == open_menu_sentence("en")
