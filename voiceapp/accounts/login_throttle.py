"""Login throttling: failed admin logins counted per username and per client address
(core.attempt_limits).

The per-username limit protects one account from a guesser who changes address; the
per-address limit (higher, since an office shares one address) stops one address from
trying many usernames.
"""

from __future__ import annotations

import logging

from tortoise.expressions import Q

from voiceapp.core.attempt_limits import LOGIN, Admission, Limit, admit
from voiceapp.core.models import Attempt
from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)


def user_key(username: str) -> str:
    return f"{LOGIN}user:{username.strip().lower()[:100]}"


def address_key(address: str) -> str:
    return f"{LOGIN}address:{address[:100]}"


def login_limits(username: str, address: str, settings: Settings) -> tuple[Limit, Limit]:
    window = settings.login_window_seconds
    return (
        Limit(user_key(username), settings.login_max_failures_per_user, window, "username"),
        Limit(address_key(address), settings.login_max_failures_per_address, window, "address"),
    )


async def admit_login(username: str, address: str, settings: Settings) -> Admission:
    """Whether this login's password may be checked. When it is, the caller says what
    came of it: `login_succeeded` or `login_failed`."""
    admission = await admit(login_limits(username, address, settings))
    if admission.over is not None:
        log.warning(
            "admin login refused for user %r from %s: too many recent failures per %s",
            username,
            address,
            admission.over.per,
        )
    return admission


def login_failed(username: str, address: str) -> None:
    """A checked password was wrong: its rows stay, as the failure. Only the log to write."""
    # The username is logged to spot attacks; the password typed never is.
    log.warning("failed admin login for user %r from %s", username, address)


async def login_succeeded(admission: Admission, username: str) -> None:
    """Uncount this login, and clear its username's failures: the account's owner is
    back. Not the address's: a guesser holding one valid account must not reset the
    count for the others."""
    await Attempt.filter(Q(id__in=admission.rows) | Q(key=user_key(username))).delete()
