"""What a form shows when it comes back: the values as typed, an error per field, and
the entries of the error summary at the top of the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from voiceapp.admin.csrf import FIELD as CSRF_FIELD
from voiceapp.core.errors import InvalidFields, VoiceappError, joined

# Where an error goes when the domain names no field, or one this form does not have.
GENERAL = "_general"


@dataclass(frozen=True)
class Problem:
    """One entry of the error summary: the message and, when the page shows the field at
    fault, that field's id (the entry links to it) and label."""

    message: str
    field_id: str = ""
    label: str = ""


# eq=False: a FormState is one form on one page; two with the same values are still two
# forms, and the error summary tells them apart by identity.
@dataclass(eq=False)
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # The id and label of each field with an error, as the page shows it: noted by the
    # form macros (_ui.html) while the page renders, so that the summary, rendered after
    # them, links to the very field the reader sees.
    shown: dict[str, tuple[str, str]] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def chosen(self, name: str) -> list[str]:
        return self.lists.get(name, [])

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def general_error(self) -> str:
        return self.errors.get(GENERAL, "")

    def show(self, name: str, field_id: str, label: str) -> str:
        """Note that the page shows field `name` with this id and label. Returns "" so
        that a template can call it where it writes the field."""
        self.shown[name] = (field_id, label)
        return ""

    @property
    def problems(self) -> list[Problem]:
        """The summary's entries for this form: the error that belongs to no field
        first, then each field's in the order the page shows the fields. An error about a
        field the page did not show is listed too, without a link, rather than lost."""
        listed = [Problem(self.general_error)] if self.general_error else []
        for name, (field_id, label) in self.shown.items():
            if self.error(name):
                listed.append(Problem(self.error(name), field_id, label))
        for name, message in self.errors.items():
            if name != GENERAL and name not in self.shown:
                listed.append(Problem(message))
        return listed


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
    names (or on top). Several refusals at once (InvalidFields) each go beside their own
    field; those about no field of this form are put together on top."""
    shown = set(fields)
    refusals = error.errors if isinstance(error, InvalidFields) else (error,)
    for refusal in refusals:
        where = refusal.field if refusal.field in shown else GENERAL
        message = refusal.in_language(language)
        earlier = state.errors.get(where)
        state.errors[where] = joined([earlier, message]) if earlier else message
    return state
