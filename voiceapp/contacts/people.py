"""One account's contacts: name, e-mail (one contact per address), language, phone.

Every function takes the owner and reads or writes only that owner's rows; a contact
id from another account is "not found", never a way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from voiceapp.core.contact_details import check_email, check_language
from voiceapp.core.errors import Conflict, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import AdminUser, Contact
from voiceapp.core.names import check_name
from voiceapp.core.phone_numbers import to_e164


@dataclass(frozen=True)
class ContactDetails:
    """A contact as typed (language and phone may be empty: the owner's language, no
    phone), or, once checked, as stored."""

    name: str
    email: str
    language: str = ""
    phone: str = ""


def check_phone(raw: str) -> str:
    """An optional phone number in E.164; "" when none was typed."""
    return to_e164(raw, field="phone") if raw.strip() else ""


def check_contact(owner: AdminUser, details: ContactDetails) -> ContactDetails:
    """`details` checked and normalised; a missing language is the owner's."""
    return ContactDetails(
        name=check_name(details.name),
        email=check_email(details.email),
        language=check_language(details.language) if details.language.strip() else owner.language,
        phone=check_phone(details.phone),
    )


def columns(details: ContactDetails) -> dict[str, Any]:
    return {
        "name": details.name,
        "email": details.email,
        "language": details.language,
        "phone": details.phone or None,
    }


def duplicate(email: str) -> Conflict:
    return Conflict(
        N_("there is already a contact with the e-mail address %(email)s"),
        params={"email": email},
        field="email",
    )


def _missing_email(email: str) -> NotFound:
    return NotFound(
        N_("there is no contact with the e-mail address %(email)s"),
        params={"email": email},
        field="email",
    )


async def list_contacts(owner: AdminUser) -> list[Contact]:
    return await Contact.filter(owner_id=owner.pk).order_by("name", "email")


async def get_contact(owner: AdminUser, contact_id: int) -> Contact:
    contact = await Contact.get_or_none(id=contact_id, owner_id=owner.pk)
    if contact is None:
        raise NotFound(N_("there is no such contact"))
    return contact


async def find_by_email(owner: AdminUser, email: str) -> Contact:
    address = check_email(email)
    contact = await Contact.get_or_none(owner_id=owner.pk, email=address)
    if contact is None:
        raise _missing_email(address)
    return contact


async def add_contact(owner: AdminUser, details: ContactDetails) -> Contact:
    checked = check_contact(owner, details)
    if await Contact.exists(owner_id=owner.pk, email=checked.email):
        raise duplicate(checked.email)
    try:
        return await Contact.create(owner_id=owner.pk, **columns(checked))
    except IntegrityError:  # added at the same moment by another request
        raise duplicate(checked.email) from None


async def update_contact(owner: AdminUser, contact_id: int, details: ContactDetails) -> Contact:
    """Change every detail of the contact; its e-mail may change to one not yet taken."""
    checked = check_contact(owner, details)
    contact = await get_contact(owner, contact_id)
    if await Contact.filter(owner_id=owner.pk, email=checked.email).exclude(id=contact.pk).exists():
        raise duplicate(checked.email)
    try:
        await Contact.filter(id=contact.pk, owner_id=owner.pk).update(**columns(checked))
    except IntegrityError:  # the address taken at the same moment by another request
        raise duplicate(checked.email) from None
    return await get_contact(owner, contact_id)


async def remove_contact(owner: AdminUser, contact: Contact) -> None:
    """Delete the contact; the groups it was in lose it, meetings keep their invitees."""
    await Contact.filter(id=contact.pk, owner_id=owner.pk).delete()


async def remove_by_email(owner: AdminUser, email: str) -> Contact:
    contact = await find_by_email(owner, email)
    await remove_contact(owner, contact)
    return contact
