"""What a form shows when it comes back: the values as typed and an error per field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from voiceapp.admin.csrf import FIELD as CSRF_FIELD
from voiceapp.core.errors import VoiceappError

# Where an error goes when the domain names no field, or one this form does not have.
GENERAL = "_general"


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def chosen(self, name: str) -> list[str]:
        return self.lists.get(name, [])

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def general_error(self) -> str:
        return self.errors.get(GENERAL, "")


def typed(form: FormData, *, lists: Iterable[str] = ()) -> FormState:
    """The values the admin submitted (text fields only), to show them again."""
    list_names = set(lists)
    values = {
        key: value
        for key, value in form.items()
        if isinstance(value, str) and key != CSRF_FIELD and key not in list_names
    }
    chosen = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in list_names}
    return FormState(values=values, lists=chosen)


def field_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def with_error(
    state: FormState, error: VoiceappError, fields: Iterable[str], language: str
) -> FormState:
    """`state` with the domain's message, in the page's `language`, next to the field it
    names (or on top)."""
    where = error.field if error.field in set(fields) else GENERAL
    state.errors[where] = error.in_language(language)
    return state
