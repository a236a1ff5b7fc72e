"""The catalogs' placeholders, and format_message, which fills them."""

from __future__ import annotations

import re

import pytest

from voiceapp.core.i18n import N_plural, format_message

from .catalogs import SAME_IN_TRANSLATION, extracted, read_catalog

NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def placeholders(text: str) -> set[str]:
    return set(NAMED_PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", ["fr", "es"])
def test_translations_keep_the_placeholders_of_their_english(language: str) -> None:
    """A placeholder renamed in a translation raises KeyError when formatted, and one left
    out drops the value (which room, which number) from the sentence."""
    wrong = []
    for entry in read_catalog(language):
        if not entry.id:
            continue  # the header
        english = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*map(placeholders, english))
        if len(english) == 1:
            matches = placeholders(forms[0]) == wanted
        else:
            # A plural form may leave out %(count)s (Spanish "un participante"), but
            # together the forms say everything the English says.
            found = [placeholders(form) for form in forms]
            matches = all(f <= wanted for f in found) and set().union(*found) == wanted
        if not matches:
            wrong.append(english[0])
    assert wrong == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_translation_is_the_english_copied(language: str) -> None:
    """An entry whose msgstr is its msgid passes every catalog check (present, not fuzzy,
    not empty) and still shows English. (test_ivr_prompts checks that every extracted
    message has an entry, neither fuzzy nor empty.)"""
    catalog = read_catalog(language)
    copied = set()
    for found in extracted():
        english = found.message if isinstance(found.message, tuple) else (found.message,)
        entry = catalog.get(english[0])
        words = re.sub(r"%\(\w+\)[sd]", "", english[0])
        if entry is None or not re.search(r"[^\W\d_]", words):
            continue  # "%(field)s: %(error)s" has no word to translate
        if english[0] in SAME_IN_TRANSLATION[language]:
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if set(forms) & set(english):
            copied.add(english[0])
    assert sorted(copied) == []


def test_format_message_picks_the_plural_form_in_each_language() -> None:
    limit = N_plural(
        "the conference server already has %(count)s room, the most it can hold; delete it first",
        "the conference server already has %(count)s rooms, the most it can hold; delete one first",
    )
    assert format_message("en", limit, {"count": 1}).endswith(
        "1 room, the most it can hold; delete it first"
    )
    assert format_message("fr", limit, {"count": 1}) == (
        "le serveur de conférence a déjà 1 salle, le maximum qu'il peut accueillir ; "
        "supprimez-la d'abord"
    )
    assert format_message("es", limit, {"count": 10}) == (
        "el servidor de conferencias ya tiene 10 salas, el máximo que admite; elimine una primero"
    )
    with pytest.raises(ValueError, match="needs a count"):
        format_message("fr", limit, {})
