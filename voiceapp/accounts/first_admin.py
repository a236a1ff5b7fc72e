"""The first admin account, made from the browser with a one-time setup link.

While no admin exists, `voiceapp serve` opens the setup: it makes a random token, keeps
only its SHA-256 in the database and prints the link that carries it. The setup page
creates the first admin and spends the token in the same transaction, so the link works
once, even if two browsers post it at the same moment; each start of the server replaces
the token, so an old link from a log or a terminal scrollback is dead too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from tortoise.transactions import in_transaction

from voiceapp.accounts import admins
from voiceapp.core.errors import Conflict, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import AdminUser, ServerSecret

SETUP_TOKEN = "setup_token"  # noqa: S105 - the name of its row, not a secret
SETUP_PATH = "/admin/setup"


def _digest(token: str) -> str:
    # A hash is enough: the token is 256 random bits, so there is nothing to brute-force,
    # and a database dump then holds no working link.
    return hashlib.sha256(token.encode()).hexdigest()


def _link_dead() -> NotFound:
    return NotFound(
        N_(
            "this setup link is not valid: it is mistyped or cut short, was used already, "
            "or is from before the server restarted (each start prints a new one)"
        )
    )


async def needed() -> bool:
    """True while there is no admin account at all."""
    return not await AdminUser.exists()


async def open_setup() -> str | None:
    """A fresh setup token when no admin exists (the old one stops working), else None."""
    if not await needed():
        return None
    token = secrets.token_urlsafe(32)
    await ServerSecret.update_or_create(name=SETUP_TOKEN, defaults={"value": _digest(token)})
    return token


def setup_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{SETUP_PATH}?token={token}"


async def is_open(token: str) -> bool:
    """Whether `token` is the setup link's and no admin exists yet."""
    if not token or not await needed():
        return False
    kept = await ServerSecret.get_or_none(name=SETUP_TOKEN)
    return kept is not None and hmac.compare_digest(kept.value, _digest(token))


async def create_first_admin(token: str, username: str, password: str) -> AdminUser:
    """The first admin, made with the setup link's `token`, which dies with it."""
    name = admins.check_username(username)
    secret = admins.check_password(password)
    if not await is_open(token):
        raise _link_dead()
    password_hash = await admins.hash_password(secret)
    async with in_transaction():
        # Spending the token is the conditional write: of two posts of one link, the
        # second deletes nothing and is refused.
        spent = await ServerSecret.filter(name=SETUP_TOKEN, value=_digest(token)).delete()
        if spent != 1:
            raise _link_dead()
        if await AdminUser.exists():
            raise Conflict(N_("an admin account exists already: log in instead"))
        return await AdminUser.create(username=name, password_hash=password_hash)
