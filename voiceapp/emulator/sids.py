"""The carrier's identifiers: account SIDs, and the SIDs it gives calls, conferences and
recordings (two letters and 32 hex digits, as Twilio's)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.utils import format_datetime

# The emulator's account when nobody asks for another: `voiceapp call` without --stay,
# the tests. Emulators that serve their REST API take a random one (random_account_sid),
# so that several on one database are told apart by the AccountSid of their webhooks.
ACCOUNT_SID = "AC" + "0" * 32


def random_account_sid() -> str:
    return "AC" + secrets.token_hex(16)


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def now() -> datetime:
    return datetime.now(UTC)


def rfc2822(moment: datetime) -> str:
    """A date as the carrier writes it in callbacks and in its API (Timestamp, date_created)."""
    return format_datetime(moment, usegmt=True)
