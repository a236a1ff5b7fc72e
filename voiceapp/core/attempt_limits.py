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

from voiceapp.core.models import Attempt
from voiceapp.core.settings import Settings

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
