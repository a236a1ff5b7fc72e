"""Who a meeting invites: people typed in ("Ana Ruiz <ana@example.com>"), the organizer's
contacts, and whole contact groups, merged into one list, each address once.

An invitee who is one of the organizer's contacts gets the contact's language (and name,
when none was typed); anyone else gets the organizer's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from voiceapp.contacts import groups
from voiceapp.core.contact_details import check_email
from voiceapp.core.errors import InvalidInput, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import AdminUser, Contact
from voiceapp.core.names import NAME_MAX

FIELD = "invitees"


@dataclass(frozen=True)
class Person:
    """Someone typed in: an address, and a name when one was given."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class Guest:
    """An invitee as the meeting will store it."""

    email: str
    name: str
    language: str
    contact_id: int | None = None


def parse_person(raw: str | Person, *, field: str = FIELD) -> Person:
    """An address ("ana@example.com") or a name and address ("Ana Ruiz
    <ana@example.com>"), checked; a Person as it is, its address checked."""
    if isinstance(raw, Person):
        name, address = raw.name, raw.email
    else:
        name, address = parseaddr(raw.strip())
        if not address or ("<" in raw and ">" not in raw):
            raise InvalidInput(
                # Translators: %(typed)s is what was typed, in quotes; keep the example.
                N_(
                    "%(typed)s is not an e-mail address or Name <address>, "
                    "e.g. Ana <ana@example.com>"
                ),
                params={"typed": repr(raw[:80])},
                field=field,
            )
    clean_name = " ".join(name.split())
    if len(clean_name) > NAME_MAX:
        raise InvalidInput(
            N_("an invitee's name must be at most %(max)s characters"),
            params={"max": NAME_MAX},
            field=field,
        )
    return Person(email=check_email(address, field=field), name=clean_name)


async def resolve(
    organizer: AdminUser,
    people: Iterable[str | Person] = (),
    contact_ids: Iterable[int] = (),
    group_names: Iterable[str] = (),
) -> list[Guest]:
    """Everyone invited, in the order given (typed, then contacts, then groups), each
    address once; the organizer's own address is left out (they get a confirmation)."""
    typed = [parse_person(person) for person in people]
    contacts = await _contacts(organizer, typed, contact_ids)
    listed: dict[str, Guest] = {}
    for person in typed:
        contact = contacts.get(person.email)
        listed.setdefault(person.email, _guest(organizer, person.email, person.name, contact))
    for contact_id in contact_ids:
        contact = next((c for c in contacts.values() if c.pk == contact_id), None)
        if contact is None:
            raise NotFound(N_("there is no such contact"), field="contacts")
        listed.setdefault(contact.email, _guest(organizer, contact.email, "", contact))
    for name in group_names:
        if not name.strip():
            continue
        try:
            group = await groups.find_by_name(organizer, name)
        except NotFound as missing:
            missing.field = "groups"
            raise
        for contact in await groups.members_of(group):
            listed.setdefault(contact.email, _guest(organizer, contact.email, "", contact))
    own = (organizer.email or "").lower()
    return [guest for email, guest in listed.items() if email != own]


async def _contacts(
    organizer: AdminUser, typed: Sequence[Person], contact_ids: Iterable[int]
) -> dict[str, Contact]:
    """The organizer's contacts among the typed addresses and the ids, by address."""
    ids = list(contact_ids)
    emails = [person.email for person in typed]
    found: dict[str, Contact] = {}
    if emails:
        for contact in await Contact.filter(owner_id=organizer.pk, email__in=emails):
            found[contact.email] = contact
    if ids:
        for contact in await Contact.filter(owner_id=organizer.pk, id__in=ids):
            found[contact.email] = contact
    return found


def _guest(organizer: AdminUser, email: str, name: str, contact: Contact | None) -> Guest:
    if contact is None:
        return Guest(email=email, name=name, language=organizer.language)
    return Guest(
        email=email, name=name or contact.name, language=contact.language, contact_id=contact.pk
    )
