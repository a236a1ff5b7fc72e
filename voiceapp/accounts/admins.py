"""Admin accounts: who may log in to the admin pages, with argon2id password hashes.

Passwords are never stored, logged or echoed; only their argon2id hashes are kept.
Hashing is deliberately slow (tens of milliseconds), so callers on an event loop run
these functions through `asyncio.to_thread` via the async wrappers below.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import AdminUser

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._@-]{1,64}")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # argon2 takes any length; a cap stops megabyte "passwords" eating CPU.
# Entries of the zone database that are not places: the host's own zone under a name that
# means something else on every machine, and tzdata's placeholder for "not set".
_NOT_TIME_ZONES = frozenset({"localtime", "Factory", "posixrules"})

# RFC 9106's low-memory profile (argon2-cffi's default), type argon2id: tens of
# milliseconds and 64 MiB a hash. A hash made with other parameters is upgraded at login.
HASHING = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(HASHING)


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that a wrong username takes as
    long as a wrong password and response times do not reveal which accounts exist.
    Made on first use: hashing at import would slow every command down."""
    return _hasher.hash("voiceapp-no-such-user")


def check_username(raw: str, *, field: str = "username") -> str:
    text = raw.strip()
    if not USERNAME_PATTERN.fullmatch(text):
        raise InvalidInput(
            N_("username must be 1 to 64 letters, digits or . _ @ - (no spaces)"), field=field
        )
    return text


def check_password(raw: str, *, field: str = "password") -> str:
    if len(raw) < PASSWORD_MIN:
        raise InvalidInput(
            N_("password must be at least %(min)s characters"),
            params={"min": PASSWORD_MIN},
            field=field,
        )
    if len(raw) > PASSWORD_MAX:
        raise InvalidInput(
            N_("password must be at most %(max)s characters"),
            params={"max": PASSWORD_MAX},
            field=field,
        )
    return raw


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _taken(name: str) -> Conflict:
    return Conflict(
        # Translators: %(name)s is the username, in quotes.
        N_("there is already an admin named %(name)s"),
        params={"name": repr(name)},
        field="username",
    )


def _missing(name: str) -> NotFound:
    return NotFound(
        # Translators: %(name)s is the username, in quotes.
        N_("there is no admin named %(name)s"),
        params={"name": repr(name)},
        field="username",
    )


async def require_free_username(username: str) -> str:
    """`username`, checked and trimmed, if no admin has it yet."""
    name = check_username(username)
    if await AdminUser.exists(username=name):
        raise _taken(name)
    return name


async def require_admin(username: str) -> str:
    """`username`, trimmed, if an admin has it."""
    name = username.strip()
    if not await AdminUser.exists(username=name):
        raise _missing(name)
    return name


async def hash_password(password: str) -> str:
    """The argon2id hash of `password`, made off the event loop (tens of milliseconds)."""
    return await asyncio.to_thread(_hasher.hash, password)


async def create_admin(
    username: str, password: str, *, columns: Mapping[str, Any] | None = None
) -> AdminUser:
    """A new account. `columns`: its other details (role, e-mail...), checked already by
    profiles.checked_columns; without them, an admin with the defaults."""
    secret = check_password(password)
    # Looked up before hashing, which takes tens of milliseconds, to fail fast.
    name = await require_free_username(username)
    password_hash = await hash_password(secret)
    try:
        return await AdminUser.create(
            username=name, password_hash=password_hash, **dict(columns or {})
        )
    except IntegrityError:  # created concurrently by another process
        raise _taken(name) from None


async def authenticate(username: str, password: str) -> AdminUser | None:
    """The admin whose username and password these are, or None. Stamps last_login_at."""
    if len(password) > PASSWORD_MAX:
        return None
    user = await AdminUser.get_or_none(username=username.strip())
    stored = user.password_hash if user is not None else _dummy_hash()
    if not await asyncio.to_thread(_verify, stored, password) or user is None:
        return None
    user.last_login_at = datetime.now(UTC)
    changed = ["last_login_at"]
    if _hasher.check_needs_rehash(user.password_hash):
        # The hashing parameters were raised since this hash was made: upgrade it now,
        # the only moment the plain password is at hand.
        user.password_hash = await asyncio.to_thread(_hasher.hash, password)
        changed.append("password_hash")
    # Only these columns: the row was read before the (slow) verification, and writing
    # it back whole would undo a logout or password change made meanwhile.
    await user.save(update_fields=changed)
    return user


async def get_admin(user_id: int) -> AdminUser | None:
    return await AdminUser.get_or_none(id=user_id)


async def set_password(username: str, password: str) -> None:
    """Give the admin `username` a new password, and end every session they have open:
    whoever logged in with the old one (or holds a copy of such a session) is out."""
    secret = check_password(password)
    # Looked up before hashing, which takes tens of milliseconds, to fail fast on a typo.
    name = await require_admin(username)
    password_hash = await asyncio.to_thread(_hasher.hash, secret)
    # One UPDATE, the generation counted up in the database: the new hash and the end of
    # the old sessions land together, and a logout at the same moment is not lost.
    changed = await AdminUser.filter(username=name).update(
        password_hash=password_hash, session_epoch=F("session_epoch") + 1
    )
    if not changed:  # deleted meanwhile
        raise _missing(name)


async def end_sessions(user_id: int, session_epoch: int) -> None:
    """End every session of the admin `user_id`, copies included, by moving the account
    to the next session generation; a session made under an older one is out already.

    Only a current session can do it: a copy of a cookie that was already logged out
    must not be able to log the admin out again and again.
    """
    await AdminUser.filter(id=user_id, session_epoch=session_epoch).update(
        session_epoch=F("session_epoch") + 1
    )


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name this machine knows (tzdata), old aliases included: a
    browser may report "Asia/Calcutta" as well as "Asia/Kolkata"."""
    return frozenset(available_timezones() - _NOT_TIME_ZONES)


def check_time_zone(raw: str, *, field: str = "time_zone") -> str:
    name = raw.strip()
    if name not in time_zones():
        raise InvalidInput(
            # Translators: %(zone)s is what was typed or sent, in quotes.
            N_("%(zone)s is not a time zone name; choose one from the list, e.g. Europe/Paris"),
            params={"zone": repr(name[:64])},
            field=field,
        )
    return name


async def set_time_zone(user_id: int, time_zone: str, *, only_if_unset: bool = False) -> bool:
    """Show times to the admin `user_id` in `time_zone` (an IANA name, checked here).
    With `only_if_unset`, a zone the admin already has is kept: what a browser detects
    never overrides a choice. True if the zone was set."""
    name = check_time_zone(time_zone)
    admin = AdminUser.filter(id=user_id)
    if only_if_unset:
        admin = admin.filter(time_zone__isnull=True)
    # This column only: a whole-row save would write back a session generation read
    # earlier over a logout made meanwhile.
    return await admin.update(time_zone=name) > 0
