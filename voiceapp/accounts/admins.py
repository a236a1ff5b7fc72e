"""Admin accounts: who may log in to the admin pages, with argon2id password hashes.

Passwords are never stored, logged or echoed; only their argon2id hashes are kept.
Hashing is deliberately slow (tens of milliseconds), so callers on an event loop run
these functions through `asyncio.to_thread` via the async wrappers below.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import AdminUser

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._@-]{1,64}")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # argon2 takes any length; a cap stops megabyte "passwords" eating CPU.

# argon2-cffi's defaults are RFC 9106's low-memory profile, with type argon2id.
_hasher = PasswordHasher()


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


async def create_admin(username: str, password: str) -> AdminUser:
    secret = check_password(password)
    # Looked up before hashing, which takes tens of milliseconds, to fail fast.
    name = await require_free_username(username)
    password_hash = await asyncio.to_thread(_hasher.hash, secret)
    try:
        return await AdminUser.create(username=name, password_hash=password_hash)
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
