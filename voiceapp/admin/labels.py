"""How the admin pages name the product's values; translated where they are shown.

A value's label is written beside its enum (Outcome in call_records, ExtensionKind and
Language in models), where a member added without one fails at import; this module only
puts those labels on the pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from voiceapp.core.i18n import N_
from voiceapp.core.models import Extension, ExtensionKind, Language
from voiceapp.history.call_records import Outcome

# The page links in every page's header: (route name, title).
ADMIN_PAGES = [
    ("admin:conferences", N_("Conferences")),
    ("admin:numbers", N_("Numbers")),
    ("admin:extensions", N_("Extensions")),
    # Translators: the page showing who is in each conference room right now.
    ("admin:live", N_("Live")),
    ("admin:history", N_("Call history")),
    ("admin:voicemail", N_("Voicemail")),
]

# The languages a phone number or the conference server greets callers in, for a drop-down.
CALLER_LANGUAGES = {language.value: language.label for language in Language}


def outcome_label(outcome: str) -> str:
    """The label of a stored outcome; one this version does not know shows as stored
    rather than breaking the whole history page."""
    try:
        return Outcome(outcome).label
    except ValueError:
        return outcome


def kind_label(extension: Extension) -> str:
    return ExtensionKind(extension.kind).label


def options(labels: Mapping[str, str], gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    """(value, translated label) pairs for a drop-down."""
    return [(value, gettext(label)) for value, label in labels.items()]


def destination_options(
    extensions: list[Extension], gettext: Callable[[str], str]
) -> list[tuple[str, str]]:
    """Every extension a phone number can map to, as "201 · User · Alice"."""
    choices = []
    for extension in extensions:
        parts = [extension.number, gettext(kind_label(extension))]
        if extension.kind is not ExtensionKind.CONFERENCE_SERVER and extension.name:
            parts.append(extension.name)
        choices.append((extension.number, " · ".join(parts)))
    return choices
