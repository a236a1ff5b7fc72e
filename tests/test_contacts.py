"""Contacts and groups: one address per contact and owner, checked e-mails and languages,
groups of known contacts only, and no account ever reaching another's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from voiceapp.accounts import profiles
from voiceapp.contacts import groups, people
from voiceapp.contacts.people import ContactDetails
from voiceapp.core.contact_details import check_email
from voiceapp.core.db import database
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.models import AdminUser, Contact, ContactGroup
from voiceapp.core.settings import Settings

PASSWORD = "a long enough password"
ANA = ContactDetails("Ana Ruiz", "ana@example.com", "es", "+34 600 123 456")
BRUNO = ContactDetails("Bruno Díaz", "bruno@example.com", "fr")


@pytest.fixture
async def orm(settings: Settings) -> AsyncIterator[None]:
    async with database(settings.database_url):
        yield


@pytest.fixture
async def ines(orm: None) -> AdminUser:
    """An organizer who writes in French."""
    return await profiles.create_account(
        "ines", PASSWORD, profiles.Profile(role="organizer", language="fr")
    )


@pytest.fixture
async def olga(orm: None) -> AdminUser:
    return await profiles.create_account("olga", PASSWORD, profiles.Profile(role="organizer"))


async def test_a_contact_is_stored_normalised(ines: AdminUser) -> None:
    contact = await people.add_contact(
        ines, ContactDetails("  Ana   Ruiz ", " Ana@Example.COM ", "ES", "+34 600 123 456")
    )
    stored = await Contact.get(id=contact.pk)
    assert (stored.name, stored.email, stored.language, stored.phone) == (
        "Ana Ruiz",
        "ana@example.com",
        "es",
        "+34600123456",
    )


async def test_without_a_language_a_contact_gets_the_owners(ines: AdminUser) -> None:
    contact = await people.add_contact(ines, ContactDetails("Carla", "carla@example.com"))
    assert contact.language == "fr"
    assert contact.phone is None


async def test_the_same_address_twice_for_one_owner_is_refused(ines: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    with pytest.raises(Conflict, match="already a contact with the e-mail address ana@") as error:
        await people.add_contact(ines, ContactDetails("Other Ana", "ANA@example.com", "fr"))
    assert error.value.field == "email"
    assert await Contact.filter(owner_id=ines.pk).count() == 1


@pytest.mark.parametrize(
    ("details", "field", "says"),
    [
        (ContactDetails("Ana", "ana@", "es"), "email", "'ana@' is not a valid e-mail address"),
        (ContactDetails("Ana", "ana example.com"), "email", "is not a valid e-mail address"),
        (ContactDetails("Ana", ""), "email", "the e-mail address must not be empty"),
        (ContactDetails("Ana", "ana@example.com", "de"), "language", "'de' is not a language"),
        (ContactDetails(" ", "ana@example.com"), "name", "name must not be empty"),
        (ContactDetails("Ana", "ana@example.com", "es", "0612"), "phone", "not a phone number"),
    ],
)
async def test_bad_details_are_refused_naming_the_field(
    ines: AdminUser, details: ContactDetails, field: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says) as error:
        await people.add_contact(ines, details)
    assert error.value.field == field
    assert not await Contact.exists(owner_id=ines.pk)


def test_an_address_is_checked_by_its_syntax_only() -> None:
    # No DNS look-up: a domain nobody registered is fine, a malformed one is not.
    assert check_email("x@no-such-domain-voiceapp-test.com") == "x@no-such-domain-voiceapp-test.com"
    for bad in ("a@b@c.com", "a..b@example.com", "a@-example.com", "@example.com"):
        with pytest.raises(InvalidInput):
            check_email(bad)


async def test_two_owners_may_have_the_same_address(ines: AdminUser, olga: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    await people.add_contact(olga, ANA)
    assert await Contact.filter(email=ANA.email).count() == 2


async def test_an_owner_never_sees_or_changes_anothers_contacts(
    ines: AdminUser, olga: AdminUser
) -> None:
    theirs = await people.add_contact(ines, ANA)
    assert await people.list_contacts(olga) == []
    with pytest.raises(NotFound):
        await people.get_contact(olga, theirs.pk)
    with pytest.raises(NotFound):
        await people.update_contact(olga, theirs.pk, BRUNO)
    with pytest.raises(NotFound):
        await people.remove_by_email(olga, ANA.email)
    await people.remove_contact(olga, theirs)  # by a forged id: nothing happens
    assert (await Contact.get(id=theirs.pk)).name == "Ana Ruiz"
    # Nor can a group take another's contact as a member.
    with pytest.raises(NotFound, match=r"no contact has the address ana@example\.com"):
        await groups.add_group(olga, "Partners", [ANA.email])


async def test_update_may_change_the_address_but_not_to_a_taken_one(ines: AdminUser) -> None:
    ana = await people.add_contact(ines, ANA)
    await people.add_contact(ines, BRUNO)
    with pytest.raises(Conflict, match=r"bruno@example\.com"):
        await people.update_contact(ines, ana.pk, ContactDetails("Ana", "bruno@example.com", "es"))
    moved = await people.update_contact(
        ines, ana.pk, ContactDetails("Ana R.", "ana.ruiz@example.com", "en")
    )
    assert (moved.name, moved.email, moved.language, moved.phone) == (
        "Ana R.",
        "ana.ruiz@example.com",
        "en",
        None,
    )


async def test_a_group_of_known_contacts(ines: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    await people.add_contact(ines, BRUNO)
    group = await groups.add_group(ines, " Partners ", ["BRUNO@example.com", "ana@example.com"])
    assert group.name == "Partners"
    members = await groups.members_of(group)
    assert [m.email for m in members] == ["ana@example.com", "bruno@example.com"]
    [listed] = await groups.list_groups(ines)
    assert {m.email for m in listed.members} == {"ana@example.com", "bruno@example.com"}


async def test_a_group_with_unknown_addresses_is_refused_naming_them(ines: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    with pytest.raises(NotFound) as error:
        await groups.add_group(
            ines, "Partners", ["ana@example.com", "x@example.com", "y@example.com"]
        )
    assert str(error.value) == (
        "no contacts have the addresses x@example.com, y@example.com: add them as contacts first"
    )
    assert error.value.field == "members"
    with pytest.raises(NotFound, match=r"^no contact has the address x@example\.com: add it"):
        await groups.add_group(ines, "Partners", ["x@example.com"])
    with pytest.raises(InvalidInput, match="'nope' is not a valid e-mail address"):
        await groups.add_group(ines, "Partners", ["nope"])
    with pytest.raises(InvalidInput, match="at least one member"):
        await groups.add_group(ines, "Partners", [])
    assert not await ContactGroup.exists(owner_id=ines.pk)


async def test_group_names_are_unique_per_owner(ines: AdminUser, olga: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    await people.add_contact(olga, ANA)
    await groups.add_group(ines, "Partners", [ANA.email])
    with pytest.raises(Conflict, match="already a group named 'Partners'"):
        await groups.add_group(ines, "Partners", [ANA.email])
    await groups.add_group(olga, "Partners", [ANA.email])  # another owner's: fine


async def test_update_group_renames_and_replaces_members(ines: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    await people.add_contact(ines, BRUNO)
    group = await groups.add_group(ines, "Partners", [ANA.email])
    saved = await groups.update_group(ines, group.pk, "Clients", [BRUNO.email])
    assert saved.name == "Clients"
    assert [m.email for m in await groups.members_of(saved)] == [BRUNO.email]


async def test_removing_a_contact_takes_it_out_of_its_groups(ines: AdminUser) -> None:
    await people.add_contact(ines, ANA)
    await people.add_contact(ines, BRUNO)
    group = await groups.add_group(ines, "Partners", [ANA.email, BRUNO.email])
    await people.remove_by_email(ines, ANA.email)
    assert [m.email for m in await groups.members_of(group)] == [BRUNO.email]
    removed = await groups.remove_by_name(ines, "Partners")
    assert removed.name == "Partners"
    assert await Contact.filter(owner_id=ines.pk).count() == 1  # members stay contacts
    with pytest.raises(NotFound, match="no group named 'Partners'"):
        await groups.remove_by_name(ines, "Partners")


async def test_deleting_an_account_deletes_its_contacts_and_groups(
    ines: AdminUser, olga: AdminUser
) -> None:
    await profiles.create_account("root", PASSWORD, profiles.Profile())
    await people.add_contact(ines, ANA)
    await groups.add_group(ines, "Partners", [ANA.email])
    await people.add_contact(olga, ANA)
    await profiles.remove_account("ines")
    assert await Contact.filter(email=ANA.email).count() == 1
    assert not await ContactGroup.exists()


async def test_participants_saved_as_a_group_become_contacts_in_one_go(ines: AdminUser) -> None:
    await people.add_contact(ines, ContactDetails("Ana Ruiz", "ana@example.com", "es"))
    invited = [
        groups.Person("Ana R.", "ana@example.com", "es"),
        groups.Person("Jean Morel", "jean@example.com", "fr"),
        groups.Person("", "kim@example.com", "en"),
    ]
    group = await groups.save_people_as_group(ines, "Partners", invited)
    members = {c.email: (c.name, c.language) for c in await groups.members_of(group)}
    assert members == {
        "ana@example.com": ("Ana Ruiz", "es"),  # the contact as it was, not as typed
        "jean@example.com": ("Jean Morel", "fr"),
        "kim@example.com": ("kim", "en"),
    }
    # A name already taken: refused, naming the page's field, and nobody added.
    with pytest.raises(Conflict) as taken:
        await groups.save_people_as_group(
            ines, "Partners", [groups.Person("Lou", "lou@example.com", "fr")], field="save_group"
        )
    assert taken.value.field == "save_group"
    assert not await Contact.exists(owner_id=ines.pk, email="lou@example.com")
    with pytest.raises(Conflict):
        await groups.require_free_name(ines, " Partners ")
