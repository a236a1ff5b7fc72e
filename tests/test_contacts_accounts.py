"""Accounts' roles and details (accounts.profiles): checked values, and an office that
always keeps one admin, even when two admins demote each other at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from voiceapp.accounts import admins, profiles
from voiceapp.accounts.profiles import Profile
from voiceapp.core.db import database
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.models import AccountRole, AdminUser, Meeting, MeetingStatus
from voiceapp.core.settings import Settings

PASSWORD = "a long enough password"


@pytest.fixture
async def orm(settings: Settings) -> AsyncIterator[None]:
    async with database(settings.database_url):
        yield


async def test_an_account_is_made_with_its_details(orm: None) -> None:
    made = await profiles.create_account(
        "ana",
        PASSWORD,
        Profile(
            role="Organizer",
            display_name="  Ana   Ruiz ",
            email="Ana@Example.com",
            language="ES",
            time_zone="Europe/Madrid",
        ),
    )
    stored = await AdminUser.get(id=made.pk)
    assert stored.role is AccountRole.ORGANIZER
    assert (stored.display_name, stored.email, stored.language, stored.time_zone) == (
        "Ana Ruiz",
        "ana@example.com",
        "es",
        "Europe/Madrid",
    )
    assert await admins.authenticate("ana", PASSWORD) is not None


async def test_by_default_an_account_is_an_english_speaking_admin(orm: None) -> None:
    made = await profiles.create_account("root", PASSWORD, Profile())
    assert made.role is AccountRole.ADMIN
    assert (made.language, made.email, made.time_zone, made.display_name) == ("en", None, None, "")


@pytest.mark.parametrize(
    ("profile", "field", "says"),
    [
        (Profile(role="boss"), "role", "'boss' is not a role: use admin or organizer"),
        (Profile(email="ana@"), "email", "'ana@' is not a valid e-mail address"),
        (Profile(language="de"), "language", "'de' is not a language voiceapp writes in"),
        (Profile(time_zone="Mars/Olympus"), "time_zone", "'Mars/Olympus' is not a time zone"),
        (Profile(display_name="x" * 101), "display_name", "at most 100 characters"),
    ],
)
async def test_bad_details_are_refused_and_nothing_is_made(
    orm: None, profile: Profile, field: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says) as error:
        await profiles.create_account("ana", PASSWORD, profile)
    assert error.value.field == field
    assert not await AdminUser.exists(username="ana")


async def test_update_changes_only_what_is_given(orm: None) -> None:
    await profiles.create_account(
        "ana", PASSWORD, Profile(email="ana@example.com", time_zone="Europe/Paris")
    )
    await profiles.create_account("root", PASSWORD, Profile())
    saved = await profiles.update_account("ana", Profile(role="organizer", language="fr"))
    assert (saved.role, saved.language, saved.email) == (
        AccountRole.ORGANIZER,
        "fr",
        "ana@example.com",
    )
    cleared = await profiles.update_account("ana", Profile(email="", time_zone=""))
    assert (cleared.email, cleared.time_zone) == (None, None)
    with pytest.raises(NotFound, match="no account named 'nobody'"):
        await profiles.update_account("nobody", Profile(language="fr"))


async def test_the_last_admin_is_neither_demoted_nor_deleted(orm: None) -> None:
    await profiles.create_account("root", PASSWORD, Profile())
    await profiles.create_account("ines", PASSWORD, Profile(role="organizer"))
    with pytest.raises(Conflict, match="'root' is the last admin") as demoted:
        await profiles.update_account("root", Profile(role="organizer"))
    assert demoted.value.field == "role"
    with pytest.raises(Conflict, match="'root' is the last admin"):
        await profiles.remove_account("root")
    assert (await AdminUser.get(username="root")).role is AccountRole.ADMIN
    # With a second admin, either may go.
    await profiles.update_account("ines", Profile(role="admin"))
    await profiles.update_account("root", Profile(role="organizer"))
    await profiles.remove_account("root")
    assert [a.username for a in await profiles.list_accounts()] == ["ines"]


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(orm: None) -> None:
    for name in ("root", "ines"):
        await profiles.create_account(name, PASSWORD, Profile())
    outcomes = await asyncio.gather(
        profiles.update_account("root", Profile(role="organizer")),
        profiles.update_account("ines", Profile(role="organizer")),
        return_exceptions=True,
    )
    refused = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
    assert len(refused) == 1, outcomes
    assert await AdminUser.filter(role=AccountRole.ADMIN).count() == 1


async def test_two_admins_deleting_each_other_at_once_leave_one(orm: None) -> None:
    for name in ("root", "ines"):
        await profiles.create_account(name, PASSWORD, Profile())
    outcomes = await asyncio.gather(
        profiles.remove_account("root"), profiles.remove_account("ines"), return_exceptions=True
    )
    assert len([o for o in outcomes if isinstance(o, Conflict)]) == 1, outcomes
    assert await AdminUser.filter(role=AccountRole.ADMIN).count() == 1


async def test_an_account_with_meetings_to_come_is_not_deleted(orm: None) -> None:
    await profiles.create_account("root", PASSWORD, Profile())
    ines = await profiles.create_account("ines", PASSWORD, Profile(role="organizer"))
    start = datetime.now(UTC) + timedelta(days=1)
    meeting = await Meeting.create(
        uid="test-meeting@voiceapp",
        organizer=ines,
        room_name="Ventes",
        conference_id="1234",
        organizer_name="Inés",
        subject="Review",
        details="",
        time_zone="Europe/Paris",
        local_start="2030-01-01 10:00",
        starts_at=start,
        duration_minutes=30,
        ends_at=start + timedelta(minutes=30),
    )
    with pytest.raises(Conflict, match="'ines' organizes 1 meeting still to come: cancel it"):
        await profiles.remove_account("ines")
    meeting.status = MeetingStatus.CANCELLED
    await meeting.save()
    await profiles.remove_account("ines")
    assert not await AdminUser.exists(username="ines")


async def test_an_account_changes_its_own_details_but_not_its_role(orm: None) -> None:
    ines = await profiles.create_account("ines", PASSWORD, Profile(role="organizer"))
    await profiles.set_own_profile(
        ines.pk, Profile(display_name="Inés G.", email="ines@example.com", language="es")
    )
    stored = await AdminUser.get(id=ines.pk)
    assert (stored.display_name, stored.email, stored.language) == (
        "Inés G.",
        "ines@example.com",
        "es",
    )
    with pytest.raises(InvalidInput, match="only an admin can change a role"):
        await profiles.set_own_profile(ines.pk, Profile(role="admin"))
    assert (await AdminUser.get(id=ines.pk)).role is AccountRole.ORGANIZER
