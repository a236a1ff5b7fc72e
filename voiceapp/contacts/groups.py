"""Contact groups: named sets of one account's contacts ("Partners"), invited as a whole.

Members are named by e-mail address, and must be the owner's contacts already: a group
holding an unknown address is refused, naming every such address, rather than made
with some members missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from voiceapp.core.contact_details import check_email
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.i18n import N_, N_plural
from voiceapp.core.models import AdminUser, Contact, ContactGroup
from voiceapp.core.names import NAME_MAX, check_name


def _taken(name: str) -> Conflict:
    return Conflict(
        # Translators: %(name)s is the group's name, in quotes.
        N_("there is already a group named %(name)s"),
        params={"name": repr(name)},
        field="name",
    )


async def members_by_email(owner: AdminUser, emails: Iterable[str]) -> list[Contact]:
    """The owner's contacts with these addresses, in the order given (each once)."""
    addresses = list(dict.fromkeys(check_email(e, field="members") for e in emails if e.strip()))
    if not addresses:
        raise InvalidInput(N_("a group needs at least one member"), field="members")
    found = {
        contact.email: contact
        for contact in await Contact.filter(owner_id=owner.pk, email__in=addresses)
    }
    unknown = [address for address in addresses if address not in found]
    if unknown:
        raise NotFound(
            N_plural(
                "no contact has the address %(emails)s: add it as a contact first",
                "no contacts have the addresses %(emails)s: add them as contacts first",
            ),
            params={"emails": ", ".join(unknown), "count": len(unknown)},
            field="members",
        )
    return [found[address] for address in addresses]


async def list_groups(owner: AdminUser) -> list[ContactGroup]:
    """The owner's groups by name, each with its members (by name) fetched."""
    groups = await ContactGroup.filter(owner_id=owner.pk).order_by("name")
    for group in groups:
        await group.fetch_related("members")
    return groups


async def members_of(group: ContactGroup) -> list[Contact]:
    return await group.members.all().order_by("name", "email")


async def get_group(owner: AdminUser, group_id: int) -> ContactGroup:
    group = await ContactGroup.get_or_none(id=group_id, owner_id=owner.pk)
    if group is None:
        raise NotFound(N_("there is no such group"))
    return group


async def find_by_name(owner: AdminUser, name: str) -> ContactGroup:
    wanted = " ".join(name.split())
    group = await ContactGroup.get_or_none(owner_id=owner.pk, name=wanted)
    if group is None:
        raise NotFound(
            # Translators: %(name)s is the group's name, in quotes.
            N_("there is no group named %(name)s"),
            params={"name": repr(wanted)},
            field="name",
        )
    return group


async def add_group(owner: AdminUser, name: str, member_emails: Iterable[str]) -> ContactGroup:
    clean_name = check_name(name)
    members = await members_by_email(owner, member_emails)
    if await ContactGroup.exists(owner_id=owner.pk, name=clean_name):
        raise _taken(clean_name)
    try:
        async with in_transaction():
            group = await ContactGroup.create(owner_id=owner.pk, name=clean_name)
            await group.members.add(*members)
    except IntegrityError:  # made at the same moment by another request
        raise _taken(clean_name) from None
    return group


async def update_group(
    owner: AdminUser, group_id: int, name: str, member_emails: Iterable[str]
) -> ContactGroup:
    """Rename the group and make its members exactly these."""
    clean_name = check_name(name)
    members = await members_by_email(owner, member_emails)
    group = await get_group(owner, group_id)
    if await ContactGroup.filter(owner_id=owner.pk, name=clean_name).exclude(id=group.pk).exists():
        raise _taken(clean_name)
    try:
        async with in_transaction():
            await ContactGroup.filter(id=group.pk).update(name=clean_name)
            await group.members.clear()
            await group.members.add(*members)
    except IntegrityError:
        raise _taken(clean_name) from None
    return await get_group(owner, group_id)


async def remove_group(owner: AdminUser, group: ContactGroup) -> None:
    """Delete the group; its members stay contacts."""
    await ContactGroup.filter(id=group.pk, owner_id=owner.pk).delete()


async def remove_by_name(owner: AdminUser, name: str) -> ContactGroup:
    group = await find_by_name(owner, name)
    await remove_group(owner, group)
    return group


@dataclass(frozen=True)
class Person:
    """Someone invited by name and address, perhaps not a contact yet."""

    name: str
    email: str
    language: str


async def require_free_name(owner: AdminUser, name: str, *, field: str = "name") -> None:
    """Refuse a group name the owner already uses (checked before a booking, so that a
    meeting is not booked only to find its group cannot be saved)."""
    clean_name = check_name(name, field=field)
    if await ContactGroup.exists(owner_id=owner.pk, name=clean_name):
        error = _taken(clean_name)
        error.field = field
        raise error


async def save_people_as_group(
    owner: AdminUser, name: str, people: Sequence[Person], *, field: str = "name"
) -> ContactGroup:
    """The group `name` of these people, in one transaction: those who are not the
    owner's contacts yet become contacts first (a group holds contacts only), in the
    language they were invited in. Errors name `field`."""
    clean_name = check_name(name, field=field)
    try:
        async with in_transaction():
            known = {
                contact.email
                for contact in await Contact.filter(
                    owner_id=owner.pk, email__in=[person.email for person in people]
                )
            }
            for person in people:
                if person.email in known:
                    continue
                shown = person.name or person.email.partition("@")[0]
                await Contact.create(
                    owner_id=owner.pk,
                    name=shown[:NAME_MAX],
                    email=check_email(person.email),
                    language=person.language,
                )
                known.add(person.email)
            group = await ContactGroup.create(owner_id=owner.pk, name=clean_name)
            members = await Contact.filter(owner_id=owner.pk, email__in=sorted(known))
            await group.members.add(*members)
    except IntegrityError:  # the name or a contact made at the same moment elsewhere
        error = _taken(clean_name)
        error.field = field
        raise error from None
    return group
