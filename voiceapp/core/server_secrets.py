"""Secrets the server makes for itself on its first run, so that nothing must be set by
hand to try voiceapp: the key that signs admin sessions and the token that signs carrier
webhooks (the built-in emulator's; a real carrier needs its own, TWILIO_AUTH_TOKEN).

Each is made once and kept in the database (table server_secret), so every worker and
every restart shares it; an environment variable, when set, always wins. The values are
never logged: only which one was made.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets

from tortoise.exceptions import IntegrityError

from voiceapp.core.models import ServerSecret
from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)

SESSION_KEY = "session_key"
CARRIER_TOKEN = "carrier_token"  # noqa: S105 - the name of its row, not a secret
# 48 random bytes: far past the 32 characters asked of a key set by hand.
KEY_BYTES = 48


async def kept(name: str) -> str:
    """The secret called `name`, made now if this database has none yet.

    Two workers starting at once may both find none: both insert, the primary key lets
    one win, and the other reads the winner's value, so all of them share one.
    """
    found = await ServerSecret.get_or_none(name=name)
    if found is not None:
        return found.value
    try:
        await ServerSecret.create(name=name, value=secrets.token_urlsafe(KEY_BYTES))
        log.info("made the %s and kept it in the database", name.replace("_", " "))
    except IntegrityError:
        pass  # another worker made it first: theirs is the one
    return (await ServerSecret.get(name=name)).value


async def carrier_token() -> str:
    """The token the emulator signs with when TWILIO_AUTH_TOKEN is unset."""
    return await kept(CARRIER_TOKEN)


async def resolved(settings: Settings) -> Settings:
    """`settings` with the session key and the carrier token filled in from the database
    where the environment left them unset."""
    return dataclasses.replace(
        settings,
        secret_key=settings.secret_key or await kept(SESSION_KEY),
        auth_token=settings.auth_token or await carrier_token(),
    )
