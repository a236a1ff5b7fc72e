"""Domain errors: English for the CLI, and really translated for the admin pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core import errors
from voiceapp.core.errors import Conflict, InvalidInput, VoiceappError
from voiceapp.core.i18n import N_plural
from voiceapp.core.names import check_name

from .catalogs import ROOT, extracted, read_catalog

DOMAIN_PACKAGES = {
    ("voiceapp", area)
    for area in ("core", "conferencing", "switchboard", "accounts", "history", "carrier")
}


def is_domain_module(path: str) -> bool:
    """The domain: the area packages (and core, whose names and phone numbers are
    checked for every area), whose errors the admin pages and the CLI show."""
    return Path(path).parts[:2] in DOMAIN_PACKAGES


def domain_messages() -> set[str | tuple[str, str]]:
    return {found.message for found in extracted() if is_domain_module(found.path)}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_domain_error_has_a_real_translation(language: str) -> None:
    messages = domain_messages()
    # The extraction finds the domain's markers, plain and plural, in each domain module.
    assert "PIN must be 4 to 12 digits (0-9), no letters or spaces" in messages
    assert any(isinstance(message, tuple) for message in messages)
    assert {found.path for found in extracted() if is_domain_module(found.path)} >= {
        "voiceapp/accounts/admins.py",
        "voiceapp/conferencing/rooms.py",
        "voiceapp/switchboard/numbers.py",
        "voiceapp/switchboard/extensions.py",
        "voiceapp/core/phone_numbers.py",
    }
    catalog = read_catalog(language)
    untranslated = []
    for message in messages:
        english = message if isinstance(message, tuple) else (message,)
        entry = catalog.get(english[0])
        forms = () if entry is None else entry.string
        forms = forms if isinstance(forms, tuple) else (forms,)
        # babel would show the English text when an entry is missing, empty or fuzzy.
        if entry is None or entry.fuzzy or not all(forms) or set(forms) & set(english):
            untranslated.append(english[0])
    assert untranslated == []


def _error_calls(tree: ast.Module) -> list[ast.Call]:
    names = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, VoiceappError)
    }
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    ]


def domain_paths() -> list[Path]:
    return [path for _, area in DOMAIN_PACKAGES for path in (ROOT / "voiceapp" / area).glob("*.py")]


def test_domain_modules_raise_only_marked_messages() -> None:
    """A bare string or f-string would never reach the catalogs (extraction finds N_()
    and N_plural() only), so it would stay English on French and Spanish pages."""
    unmarked = []
    calls = 0
    for path in sorted(domain_paths()):
        for call in _error_calls(ast.parse(path.read_text(), str(path))):
            calls += 1
            if call.args and isinstance(call.args[0], ast.Constant | ast.JoinedStr):
                unmarked.append(f"{path.name}:{call.lineno}")
    assert calls > 40
    assert unmarked == []


def test_message_is_english_and_in_language_translates_it() -> None:
    with pytest.raises(InvalidInput) as raised:
        rooms.check_conference_id("12a")
    assert raised.value.message == "conference ID must be 3 to 12 digits (0-9), got '12a'"
    assert raised.value.in_language("en") == raised.value.message
    assert raised.value.in_language("fr") == (
        "le numéro de conférence doit comporter de 3 à 12 chiffres (0-9) ; vous avez saisi '12a'"
    )
    assert raised.value.in_language("es") == (
        "el número de conferencia debe tener de 3 a 12 dígitos (0-9); ha escrito '12a'"
    )
    assert raised.value.field == "conference_id"


def test_a_word_in_a_message_is_translated_with_its_sentence() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_name("  ", label="room name")
    assert raised.value.message == "room name must not be empty"
    assert raised.value.in_language("fr") == "le nom de la salle ne doit pas être vide"


def test_plural_form_follows_the_count_in_each_language() -> None:
    template = N_plural(
        "extension %(extension)s is a member of ring group %(groups)s; "
        "remove it from the group first",
        "extension %(extension)s is a member of ring groups %(groups)s; "
        "remove it from the groups first",
    )
    one = Conflict(template, params={"extension": "202", "groups": "210 (Ventes)", "count": 1})
    two = Conflict(template, params={"extension": "202", "groups": "210, 211", "count": 2})
    assert one.message.endswith("remove it from the group first")
    assert two.message == (
        "extension 202 is a member of ring groups 210, 211; remove it from the groups first"
    )
    assert one.in_language("fr") == (
        "le poste 202 fait partie du groupe d'appel 210 (Ventes) ; retirez-le d'abord de ce groupe"
    )
    assert two.in_language("es") == (
        "la extensión 202 es miembro de los grupos de timbrado 210, 211; "
        "retírela primero de esos grupos"
    )


def test_a_message_without_params_is_not_formatted() -> None:
    # The CLI's own messages quote URLs and paths, which may hold a literal %.
    error = InvalidInput("cannot reach http://127.0.0.1:8000/a%20b: refused")
    assert error.message == "cannot reach http://127.0.0.1:8000/a%20b: refused"
    assert error.in_language("fr") == error.message
