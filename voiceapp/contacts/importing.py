"""Importing a CSV or vCard file into an account's contacts, with a report.

Each line or card is checked with the rules of a contact typed in (people.check_contact).
A new address is added; an address the account has already updates that contact, where
the file gives a value (an empty language or phone keeps the contact's own); an address
met twice in the file is taken the first time. Whatever is left out is in the report,
by line or card number, with the reason. What is added or updated is written in one
transaction: a failure leaves the contacts as they were.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from voiceapp.contacts import people
from voiceapp.contacts.files import Entry, Place, Unreadable, read_entries
from voiceapp.core.contact_details import MAIL_LANGUAGES, check_language
from voiceapp.core.errors import Conflict, InvalidInput, VoiceappError
from voiceapp.core.i18n import N_
from voiceapp.core.models import AdminUser, Contact

# A spreadsheet of several thousand contacts; the admin pages accept the upload with
# room to spare (web/body_limits.py), so a larger file gets this message, not a bare 413.
MAX_FILE_BYTES = 1024 * 1024
MAX_FILE_TEXT = "1 MiB"


@dataclass(frozen=True)
class Done:
    """A line or card taken: the contact as stored; `note` says what was left out of it."""

    place: Place
    name: str
    email: str
    note: VoiceappError | None = None


@dataclass(frozen=True)
class Skipped:
    place: Place
    reason: VoiceappError


@dataclass
class ImportReport:
    added: list[Done] = field(default_factory=list)
    updated: list[Done] = field(default_factory=list)
    unchanged: list[Done] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def language_of(tags: tuple[str, ...]) -> str:
    """The first of the file's language tags that voiceapp writes in ("es-MX" is es); ""
    when there is none. A file naming only other languages is refused, naming the first."""
    if not tags:
        return ""
    for tag in tags:
        code = tag.strip().lower().replace("_", "-").split("-")[0]
        if code in MAIL_LANGUAGES:
            return code
    return check_language(tags[0])  # raises, naming the language as the file wrote it


def _same_address(first: Place) -> InvalidInput:
    if first.kind == "card":
        return InvalidInput(
            N_("the same e-mail address as card %(number)s"), params={"number": first.number}
        )
    return InvalidInput(
        N_("the same e-mail address as line %(number)s"), params={"number": first.number}
    )


def _checked(owner: AdminUser, entry: Entry) -> tuple[people.ContactDetails, VoiceappError | None]:
    """The entry as a contact (its language "" when the file gives none), and why its
    phone was left out, if it was: an optional detail costs the contact nothing."""
    details = people.check_contact(
        owner,
        people.ContactDetails(entry.name, entry.email, language=language_of(entry.languages)),
    )
    if not entry.languages:
        details = replace(details, language="")
    try:
        phone = people.check_phone(entry.phone)
    except VoiceappError as error:
        return details, error
    return replace(details, phone=phone), None


def _changed(contact: Contact, details: people.ContactDetails) -> bool:
    """Apply the file's values to `contact`; whether any differed."""
    new = {
        "name": details.name,
        "language": details.language or contact.language,
        "phone": details.phone or contact.phone,
    }
    changed = False
    for name, value in new.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
    return changed


@dataclass
class _Plan:
    """What an import will write, and its report."""

    report: ImportReport = field(default_factory=ImportReport)
    new: list[Contact] = field(default_factory=list)
    changed: list[Contact] = field(default_factory=list)


def _plan(owner: AdminUser, filename: str, data: bytes, existing: dict[str, Contact]) -> _Plan:
    """Read and check every entry: no database here, only the owner's current contacts
    (`existing`, by address). Pure work on the CPU, a second or two for a full 1 MiB file
    (parsing, e-mail and phone checks), hence run off the event loop."""
    entries = read_entries(filename, data)
    if not entries:
        raise InvalidInput(N_("the file holds no contacts"), field="file")
    plan = _Plan()
    report = plan.report
    first_seen: dict[str, Place] = {}
    for entry in entries:
        if isinstance(entry, Unreadable):
            report.skipped.append(Skipped(entry.place, entry.reason))
            continue
        try:
            details, note = _checked(owner, entry)
        except VoiceappError as error:
            report.skipped.append(Skipped(entry.place, error))
            continue
        if details.email in first_seen:
            report.skipped.append(Skipped(entry.place, _same_address(first_seen[details.email])))
            continue
        first_seen[details.email] = entry.place
        done = Done(entry.place, details.name, details.email, note)
        contact = existing.get(details.email)
        if contact is None:
            stored = replace(details, language=details.language or owner.language)
            plan.new.append(Contact(owner_id=owner.pk, **people.columns(stored)))
            report.added.append(done)
        elif _changed(contact, details):
            plan.changed.append(contact)
            report.updated.append(done)
        else:
            report.unchanged.append(done)
    return plan


async def import_contacts(owner: AdminUser, filename: str, data: bytes) -> ImportReport:
    """Import the file's contacts into `owner`'s; what was done, line by line."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            N_("the file is larger than %(max)s: split it and import each part"),
            params={"max": MAX_FILE_TEXT},
            field="file",
        )
    existing = {contact.email: contact for contact in await people.list_contacts(owner)}
    plan = await asyncio.to_thread(_plan, owner, filename, data, existing)
    try:
        async with in_transaction():
            if plan.new:
                await Contact.bulk_create(plan.new)
            if plan.changed:
                await Contact.bulk_update(plan.changed, fields=["name", "language", "phone"])
    except IntegrityError:  # a contact of the same address added meanwhile
        raise Conflict(
            N_("the contacts changed while the file was imported: import it again"),
            field="file",
        ) from None
    return plan.report
