"""How the admin pages name the product's values; translated where they are shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from voiceapp.call_records import Outcome
from voiceapp.i18n import N_
from voiceapp.models import Extension, ExtensionKind, Language

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

# The languages a phone number or the conference server greets callers in.
CALLER_LANGUAGES = {
    Language.FR.value: N_("French"),
    Language.ES.value: N_("Spanish"),
}

EXTENSION_KINDS = {
    ExtensionKind.CONFERENCE_SERVER: N_("Conference server"),
    ExtensionKind.USER: N_("User"),
    ExtensionKind.RING_GROUP: N_("Ring group"),
    ExtensionKind.RECEPTIONIST: N_("Virtual receptionist"),
}

OUTCOMES = {
    Outcome.IN_PROGRESS: N_("In progress"),
    Outcome.UNMAPPED: N_("Number not in service"),
    Outcome.JOINED: N_("Joined"),
    Outcome.ROOM_FULL: N_("Room full"),
    Outcome.UNKNOWN_ID: N_("Unknown conference ID"),
    # Translators: the caller typed an extension number that does not exist.
    Outcome.UNKNOWN_EXTENSION: N_("Unknown extension"),
    Outcome.WRONG_PIN: N_("Wrong PIN"),
    Outcome.LOCKED_OUT: N_("Locked out (PIN guessing)"),
    Outcome.NO_INPUT: N_("No input"),
    Outcome.ABANDONED: N_("Hung up"),
    Outcome.FORWARDED: N_("Forwarded"),
    Outcome.VOICEMAIL: N_("Voicemail"),
    Outcome.ERROR: N_("Technical problem"),
}


def outcome_label(outcome: str) -> str:
    """The label of a stored outcome; one this version does not know, or cannot name,
    shows as stored rather than breaking the whole history page."""
    try:
        return OUTCOMES.get(Outcome(outcome), outcome)
    except ValueError:
        return outcome


def kind_label(extension: Extension) -> str:
    return EXTENSION_KINDS[ExtensionKind(extension.kind)]


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
