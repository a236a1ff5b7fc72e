"""How the admin pages name the product's values; translated where they are shown.

A value's label is written beside its enum (Outcome in call_records, ExtensionKind and
Language in models), where a member added without one fails at import; this module only
puts those labels on the pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from voiceapp.core.i18n import N_
from voiceapp.core.models import AccountRole, AdminUser, Extension, ExtensionKind, Language
from voiceapp.history.call_records import Outcome
from voiceapp.switchboard.extensions import given_name

# The page links in every page's header: (route name, title).
ADMIN_PAGES = [
    ("admin:conferences", N_("Conferences")),
    ("admin:numbers", N_("Numbers")),
    ("admin:extensions", N_("Extensions")),
    # Translators: the page showing who is in each conference room right now.
    ("admin:live", N_("Live")),
    ("admin:history", N_("Call history")),
    ("admin:voicemail", N_("Voicemail")),
    # Translators: the page where an admin calls one of their numbers from the browser.
    ("admin:test_call", N_("Test call")),
    # Translators: the page of the meetings booked ahead (upcoming and past).
    ("admin:meetings", N_("Meetings")),
    # Translators: the page of the people one invites to meetings (an address book).
    ("admin:contacts", N_("Contacts")),
    # Translators: the page of named groups of contacts, invited as a whole.
    ("admin:groups", N_("Groups")),
    # Translators: the page where admins manage who can log in (admins and organizers).
    ("admin:accounts", N_("Accounts")),
]
# The pages of every account, an organizer's only ones: each shows that account's own
# things. Every other page is an admin's (auth.requires_admin).
EVERY_ACCOUNT_PAGES = frozenset({"admin:meetings", "admin:contacts", "admin:groups"})


def pages_for(user: AdminUser | None) -> list[tuple[str, str]]:
    """The page links the header shows this account: all for an admin."""
    if user is None:
        return []
    if user.role is AccountRole.ADMIN:
        return ADMIN_PAGES
    return [page for page in ADMIN_PAGES if page[0] in EVERY_ACCOUNT_PAGES]


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


def extension_name(extension: Extension, gettext: Callable[[str], str]) -> str:
    """What the pages call an extension: the name an admin gave it, or, when it has none
    (the conference server, a receptionist added without one), its kind in the reader's
    language. (Earlier versions stored the kind's English label as such a name: it is
    never shown, see extensions.given_name.)"""
    return given_name(extension) or gettext(kind_label(extension))


def destination_options(
    extensions: list[Extension], gettext: Callable[[str], str]
) -> list[tuple[str, str]]:
    """Every extension a phone number can map to, as "201 · User · Alice", or "200 ·
    Virtual receptionist" for one without a name (its kind is not said twice)."""
    choices = []
    for extension in extensions:
        parts = [extension.number, gettext(kind_label(extension))]
        if name := given_name(extension):
            parts.append(name)
        choices.append((extension.number, " · ".join(parts)))
    return choices
