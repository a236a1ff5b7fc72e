"""A label beside every member of an enum the admin pages show: one missing fails at import."""

from __future__ import annotations

import importlib.util
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from voiceapp.core.enum_labels import labels_for
from voiceapp.core.models import EXTENSION_KIND_LABELS, LANGUAGE_LABELS, ExtensionKind, Language
from voiceapp.history import call_records
from voiceapp.history.call_records import OUTCOME_LABELS, Outcome


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


def test_a_member_without_a_label_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="Colour has members without a label: BLUE"):
        labels_for(Colour, {Colour.RED: "Red"})
    with pytest.raises(TypeError, match="without a label: BLUE"):
        labels_for(Colour, {Colour.RED: "Red", Colour.BLUE: ""})


def test_a_label_for_another_enums_value_is_refused() -> None:
    mixed: dict[Any, str] = {Colour.RED: "Red", Colour.BLUE: "Blue", Language.FR: "French"}
    with pytest.raises(TypeError, match=re.escape("name other values: <Language.FR: 'fr'>")):
        labels_for(Colour, mixed)


def test_labels_are_read_only_and_read_through_the_members() -> None:
    labels = labels_for(Colour, {Colour.RED: "Red", Colour.BLUE: "Blue"})
    with pytest.raises(TypeError):
        labels[Colour.RED] = "Crimson"  # type: ignore[index]
    assert Outcome.UNKNOWN_EXTENSION.label == "Unknown extension"
    assert ExtensionKind.RECEPTIONIST.label == "Virtual receptionist"
    assert Language.ES.label == "Spanish"
    for enum, table in [
        (Outcome, OUTCOME_LABELS),
        (ExtensionKind, EXTENSION_KIND_LABELS),
        (Language, LANGUAGE_LABELS),
    ]:
        assert list(table) == list(enum)


def test_an_outcome_added_without_a_label_stops_the_import(tmp_path: Path) -> None:
    """What a developer adding a member sees: the module, so the application, does not
    import (a copy of call_records with one more outcome, imported under another name)."""
    source = Path(call_records.__file__).read_text()
    edited = source.replace(
        '    ERROR = "error"\n', '    ERROR = "error"\n    CALLBACK = "callback"\n', 1
    )
    assert "CALLBACK" in edited
    path = tmp_path / "call_records_with_callback.py"
    path.write_text(edited)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    with pytest.raises(TypeError, match="Outcome has members without a label: CALLBACK"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
