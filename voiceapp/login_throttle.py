"""Slow down password guessing on the admin login, across every worker process.

Failed logins are rows in the database (LoginAttempt), so the count holds however many
workers serve the admin pages. They are counted over a sliding window, per username and
per client address: the per-username limit protects one account from a guesser who
changes address, the per-address limit (higher, since an office shares one address)
stops one address from trying many usernames. Past either limit, logins are refused,
even with the right password, until old failures age out of the window.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from voiceapp.models import LoginAttempt
from voiceapp.settings import Settings

log = logging.getLogger(__name__)


def user_key(username: str) -> str:
    return "user:" + username.strip().lower()[:100]


def address_key(address: str) -> str:
    return "address:" + address[:100]


def _since(settings: Settings) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=settings.login_window_seconds)


async def is_blocked(username: str, address: str, settings: Settings) -> bool:
    recent = LoginAttempt.filter(attempted_at__gte=_since(settings))
    if await recent.filter(key=user_key(username)).count() >= settings.login_max_failures_per_user:
        log.warning("admin login refused for user %r: too many recent failures", username)
        return True
    limit = settings.login_max_failures_per_address
    if await recent.filter(key=address_key(address)).count() >= limit:
        log.warning("admin login refused from %s: too many recent failures", address)
        return True
    return False


async def record_failure(username: str, address: str, settings: Settings) -> None:
    # The username is logged to spot attacks; the password typed never is.
    log.warning("failed admin login for user %r from %s", username, address)
    now = datetime.now(UTC)
    await LoginAttempt.bulk_create(
        [
            LoginAttempt(key=user_key(username), attempted_at=now),
            LoginAttempt(key=address_key(address), attempted_at=now),
        ]
    )
    # Old rows serve no purpose; dropping them here keeps the table small without a job.
    await LoginAttempt.filter(attempted_at__lt=_since(settings)).delete()


async def forget_user(username: str) -> None:
    """A successful login clears that account's failures (not the address's: a guesser
    holding one valid account must not reset the count for the others)."""
    await LoginAttempt.filter(key=user_key(username)).delete()
