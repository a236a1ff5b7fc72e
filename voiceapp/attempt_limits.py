"""Limits on guessing a secret, over a sliding window, across every worker process.

Two secrets can be guessed, each counted under two keys:
- a room's PIN, per caller number and per room. Caller ID is easy to forge, so the
  per-room count catches a guesser who changes number every call; its limit is higher so
  that one careless caller cannot lock colleagues out.
- an admin's password, per username and per client address. The per-username limit
  protects one account from a guesser who changes address; the per-address limit (higher,
  since an office shares one address) stops one address from trying many usernames.
Past either limit a try is refused, even with the right secret, until the failures age
out of the window.

How a limit holds when guesses arrive together, on SQLite and PostgreSQL alike, without
a lock: a try is first written down, one row per key, each committed on its own; only
then are the key's rows in the window counted, its own included, and the try goes on to
the comparison (the PIN, the argon2 check) only when every count is within its limit.
A count starts after the try's own row is committed, so it sees every row committed
before that one: among the tries that went on and failed (their rows stay), the k-th to
commit its row counted at least k. No more than the limit of them can go on in one
window, however many arrive at once and on whichever worker.

What becomes of a try's rows:
- it went on and failed: they stay. They are the failures counted.
- it went on and succeeded: they go. The right PIN or password is not a failure (and a
  good login clears its username's failures too, see `login_succeeded`).
- it was refused: they go at once. It was never compared, so it is no failure; counted,
  it would let a guesser who keeps calling, or an admin who keeps retrying, hold the
  lockout for ever. So a lockout ends when the compared failures leave the window.
  While any try's rows exist (a few milliseconds) they count: a burst can refuse more
  tries than needed, never let more through (in one SQLite worker a burst is often
  refused whole: its rows are all written before the first count runs).
- it never finished (a worker killed, a request cancelled): they stay, a failure. Safe.
Rows that left their window serve nothing: `prune_expired` drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from voiceapp.call_records import Caller
from voiceapp.models import Attempt, Room
from voiceapp.settings import Settings

log = logging.getLogger(__name__)

PIN = "pin:"
LOGIN = "login:"


@dataclass(frozen=True)
class Limit:
    key: str  # what is counted: "pin:room:12"
    most: int  # the tries in the window, this one included, that may go on
    window_seconds: int
    per: str  # what the key counts per, for the log: "room"


@dataclass(frozen=True)
class Admission:
    """One try, counted: its rows, and the limit it went over (None: it may go on)."""

    rows: tuple[int, ...]
    over: Limit | None

    @property
    def admitted(self) -> bool:
        return self.over is None


async def admit(limits: Sequence[Limit]) -> Admission:
    """Count one try under every limit, then say whether it may go on to the comparison.
    A refused try is withdrawn before this returns."""
    attempted_at = datetime.now(UTC)
    rows = []
    for limit in limits:
        # Its own statement, outside any transaction: committed when create returns,
        # before any count below (the order the module docstring relies on).
        row = await Attempt.create(key=limit.key, attempted_at=attempted_at)
        rows.append(row.pk)
    admission = Admission(tuple(rows), None)
    for limit in limits:
        since = datetime.now(UTC) - timedelta(seconds=limit.window_seconds)
        if await Attempt.filter(key=limit.key, attempted_at__gte=since).count() > limit.most:
            admission = Admission(admission.rows, limit)
            await withdraw(admission)
            break
    return admission


async def withdraw(admission: Admission) -> None:
    """Uncount a try: it was refused, or it was right."""
    await Attempt.filter(id__in=admission.rows).delete()


async def prune_expired(settings: Settings) -> int:
    """Drop the rows that have left their window (they count no more); how many.
    Safe in several workers at once."""
    now = datetime.now(UTC)
    pruned = 0
    for prefix, window in (
        (PIN, settings.pin_window_seconds),
        (LOGIN, settings.login_window_seconds),
    ):
        since = now - timedelta(seconds=window)
        pruned += await Attempt.filter(key__startswith=prefix, attempted_at__lt=since).delete()
    return pruned


# ---- PINs --------------------------------------------------------------------------------


def pin_limits(room: Room, caller_number: str, settings: Settings) -> tuple[Limit, Limit]:
    window = settings.pin_window_seconds
    return (
        Limit(
            f"{PIN}caller:{caller_number[:64]}",
            settings.pin_max_failures_per_caller,
            window,
            "caller",
        ),
        Limit(f"{PIN}room:{room.pk}", settings.pin_max_failures_per_room, window, "room"),
    )


async def admit_pin(room: Room, caller: Caller, settings: Settings) -> Admission:
    """Whether the PIN this caller typed may be compared with the room's. When it is,
    the caller says what came of it: `withdraw` when right, `wrong_pin` when wrong."""
    admission = await admit(pin_limits(room, caller.number, settings))
    if admission.over is not None:
        log.warning(
            "PIN entry refused for room %s call_sid=%s caller=%s: too many recent failures per %s",
            room.pk,
            caller.call_sid,
            caller.number,
            admission.over.per,
        )
    return admission


def wrong_pin(room: Room, caller: Caller) -> None:
    """A compared PIN was wrong: its rows stay, as the failure. Only the log to write."""
    # Never log the digits typed: a near-miss PIN in a log is half a leaked PIN.
    log.warning(
        "wrong PIN for room %s call_sid=%s caller=%s", room.pk, caller.call_sid, caller.number
    )


# ---- admin logins ------------------------------------------------------------------------


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
