"""Who an account is and what it may do: its role, display name, e-mail, language and
time zone; making, changing and deleting accounts; the office always keeps one admin.

Roles: an admin runs everything (rooms, numbers, extensions, accounts, everyone's
meetings); an organizer schedules meetings and keeps their own contacts and groups.
Passwords and sessions stay in admins.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from voiceapp.accounts import admins
from voiceapp.core.contact_details import check_email, check_language
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.i18n import N_, N_plural
from voiceapp.core.models import AccountRole, AdminUser, Meeting, MeetingStatus
from voiceapp.core.names import NAME_MAX

ROLES = tuple(role.value for role in AccountRole)
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Profile:
    """An account's details as typed. None: not given (a new account takes the default,
    a change leaves the value as it is). An empty e-mail or time zone clears it."""

    role: str | None = None
    display_name: str | None = None
    email: str | None = None
    language: str | None = None
    time_zone: str | None = None


Columns = dict[str, str | AccountRole | None]


def check_role(raw: str, *, field: str = "role") -> AccountRole:
    try:
        return AccountRole(raw.strip().lower())
    except ValueError:
        raise InvalidInput(
            # Translators: %(role)s is what was typed, in quotes; admin and organizer are
            # the values to type, keep them as they are.
            N_("%(role)s is not a role: use admin or organizer"),
            params={"role": repr(raw.strip()[:20])},
            field=field,
        ) from None


def check_display_name(raw: str, *, field: str = "display_name") -> str:
    """How invitations name the person: white space folded; may be empty (the username
    stands in for it)."""
    text = " ".join(raw.split())
    if len(text) > NAME_MAX:
        raise InvalidInput(
            N_("the display name must be at most %(max)s characters"),
            params={"max": NAME_MAX},
            field=field,
        )
    return text


def checked_columns(profile: Profile) -> Columns:
    """The columns `profile` sets, each checked; only those given."""
    columns: Columns = {}
    if profile.role is not None:
        columns["role"] = check_role(profile.role)
    if profile.display_name is not None:
        columns["display_name"] = check_display_name(profile.display_name)
    if profile.email is not None:
        columns["email"] = check_email(profile.email) if profile.email.strip() else None
    if profile.language is not None:
        columns["language"] = check_language(profile.language)
    if profile.time_zone is not None:
        zone = profile.time_zone.strip()
        columns["time_zone"] = admins.check_time_zone(zone) if zone else None
    return columns


def _missing(name: str) -> NotFound:
    return NotFound(
        # Translators: %(name)s is the account's username, in quotes.
        N_("there is no account named %(name)s"),
        params={"name": repr(name)},
        field="username",
    )


async def get_account(username: str) -> AdminUser:
    name = username.strip()
    account = await AdminUser.get_or_none(username=name)
    if account is None:
        raise _missing(name)
    return account


async def list_accounts() -> list[AdminUser]:
    return await AdminUser.all().order_by("username")


async def create_account(username: str, password: str, profile: Profile) -> AdminUser:
    """A new account (an admin unless `profile` says organizer), password checked and hashed."""
    columns = checked_columns(profile)
    return await admins.create_admin(username, password, columns=columns)


def _last_admin(account: AdminUser, *, field: str | None) -> Conflict:
    return Conflict(
        # Translators: %(name)s is the account's username, in quotes.
        N_("%(name)s is the last admin: make another account an admin first"),
        params={"name": repr(account.username)},
        field=field,
    )


async def _keeps_an_admin(account: AdminUser, *, field: str | None) -> None:
    """Refuse to take the role of admin from `account` when it is the last one. Called
    inside the transaction that makes the change: the admins' rows are locked
    (PostgreSQL; SQLite runs one transaction at a time), so two admins demoting each
    other at once cannot both pass the count and leave none."""
    holders = await AdminUser.filter(role=AccountRole.ADMIN).select_for_update()
    if [holder.pk for holder in holders] == [account.pk]:
        raise _last_admin(account, field=field)


async def update_account(username: str, profile: Profile) -> AdminUser:
    """Change the details `profile` gives; the last admin keeps their role."""
    columns = checked_columns(profile)
    name = username.strip()
    async with in_transaction():
        account = await get_account(name)
        if columns.get("role", AccountRole.ADMIN) is not AccountRole.ADMIN and (
            account.role is AccountRole.ADMIN
        ):
            await _keeps_an_admin(account, field="role")
        if columns:
            # These columns only: the whole row would write back a session generation
            # read earlier over a logout made meanwhile.
            await AdminUser.filter(id=account.pk).update(**columns)
    return await get_account(name)


async def upcoming_meetings(account: AdminUser) -> int:
    return await Meeting.filter(
        organizer_id=account.pk, status=MeetingStatus.SCHEDULED, ends_at__gt=datetime.now(UTC)
    ).count()


async def remove_account(username: str) -> AdminUser:
    """Delete the account with its contacts and groups (its sessions end with it). Refused
    for the last admin, and while it organizes meetings still to come: deleting those
    would leave their invitees expecting a call nobody told them was cancelled."""
    async with in_transaction():
        account = await get_account(username)
        if account.role is AccountRole.ADMIN:
            await _keeps_an_admin(account, field=None)
        if count := await upcoming_meetings(account):
            raise Conflict(
                N_plural(
                    "%(name)s organizes %(count)s meeting still to come: cancel it first, "
                    "so that its invitees are told",
                    "%(name)s organizes %(count)s meetings still to come: cancel them "
                    "first, so that their invitees are told",
                ),
                params={"name": repr(account.username), "count": count},
            )
        await account.delete()
    return account


async def set_own_profile(account_id: int, profile: Profile) -> None:
    """An account changing its own details (not its role) from the Account page."""
    if profile.role is not None:
        raise InvalidInput(N_("only an admin can change a role"), field="role")
    columns = checked_columns(profile)
    if columns:
        await AdminUser.filter(id=account_id).update(**columns)
