"""The outbox rows' states, moved only by conditional UPDATEs: who sends what, and what
came of it.

PENDING (due at next_attempt_at) -> SENDING (claimed by one sender, claimed_at) -> SENT,
or back to PENDING (a failure that may pass), or FAILED (refused for good, or too many
attempts). A claim is one statement that moves due rows to SENDING and returns them:

- PostgreSQL: the rows are picked FOR UPDATE SKIP LOCKED, so senders in several workers
  each take different rows at the same moment and none waits for another; a row
  another sender has just moved is re-read once locked, and left. The pick is a
  MATERIALIZED CTE, run once: as `id IN (subquery)` the planner may run the subquery
  again for every row of the outer scan (a nested-loop semi-join, chosen when the
  table's statistics are young), and then one claim took all 200 rows of a LIMIT 5.
- SQLite: one writer at a time, so the statement runs alone and no row can be claimed
  twice; there an uncorrelated IN (subquery) is evaluated once.

A SENDING row whose claim is older than CLAIM_TIMEOUT was held by a sender that stopped
(a worker killed mid-send): it goes back to PENDING, and that message may go out twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from voiceapp.core.db import is_postgres, sql_client
from voiceapp.core.models import OutboxState
from voiceapp.mail import retry, sql

# Longer than a sender ever holds a claim: a batch hands back what it has not sent after
# sender.BATCH_SECONDS (5 minutes), so a claim this old belongs to a sender that died.
CLAIM_TIMEOUT = timedelta(minutes=10)

PENDING, SENDING = OutboxState.PENDING.value, OutboxState.SENDING.value
SENT, FAILED = OutboxState.SENT.value, OutboxState.FAILED.value

# Due messages, oldest first. $1 now, $2 how many, $3 PENDING, $4 SENDING.
PICK = """
SELECT id FROM outbox_message
WHERE state = $3 AND next_attempt_at <= $1
ORDER BY next_attempt_at, id
LIMIT $2
"""
# Both built from PICK, a constant: no value is ever formatted into SQL (S608).
CLAIM_ON_POSTGRES = f"""
WITH picked AS MATERIALIZED ({PICK} FOR UPDATE SKIP LOCKED)
UPDATE outbox_message SET state = $4, claimed_at = $1
FROM picked
WHERE outbox_message.id = picked.id AND outbox_message.state = $3
RETURNING outbox_message.id, recipient, message, attempts
"""  # noqa: S608
CLAIM_ON_SQLITE = f"""
UPDATE outbox_message SET state = $4, claimed_at = $1
WHERE state = $3 AND id IN ({PICK})
RETURNING id, recipient, message, attempts
"""  # noqa: S608

# $1 now, $2 claims made before this are dead, $3 MAX_ATTEMPTS, $4 the error to show,
# $5 PENDING, $6 SENDING, $7 FAILED.
RELEASE_STALE = """
UPDATE outbox_message
SET state = CASE WHEN attempts + 1 >= $3 THEN $7 ELSE $5 END,
    attempts = attempts + 1, next_attempt_at = $1, claimed_at = NULL, last_error = $4
WHERE state = $6 AND claimed_at < $2
RETURNING id
"""

# Whatever its state: a message the SMTP server took is SENT, even if its claim expired
# meanwhile (then it may be on its way a second time: nothing can be done about that).
# $1 now, $2 SENT, then the ids ({ids}: $3, $4...).
MARK_SENT = """
UPDATE outbox_message
SET state = $2, attempts = attempts + 1, sent_at = $1, claimed_at = NULL, last_error = ''
WHERE id IN ({ids}) AND state <> $2
RETURNING id
"""

# Only while still claimed: never over a SENT written by another sender.
MARK_FAILURE = """
UPDATE outbox_message
SET state = $2, attempts = $3, next_attempt_at = $4, last_error = $5, claimed_at = NULL
WHERE id = $1 AND state = $6
RETURNING id
"""

# Back to PENDING as it was, not counted as an attempt: claimed but never tried.
UNCLAIM = """
UPDATE outbox_message SET state = $2, claimed_at = NULL
WHERE id = $1 AND state = $3
RETURNING id
"""


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient: str
    message: str  # as it goes on the wire (wire.py)
    attempts: int  # made before this one


async def claim_due(now: datetime, limit: int) -> list[Claimed]:
    """Up to `limit` messages due at `now`, now SENDING and this sender's, oldest first."""
    claim = CLAIM_ON_POSTGRES if is_postgres(sql_client()) else CLAIM_ON_SQLITE
    rows = await sql.fetch(claim, (now, limit, PENDING, SENDING))
    claimed = [
        Claimed(row["id"], row["recipient"], row["message"], row["attempts"]) for row in rows
    ]
    return sorted(claimed, key=lambda message: message.id)


async def release_stale(now: datetime) -> int:
    """Put the messages of senders that died back in line; how many."""
    rows = await sql.fetch(
        RELEASE_STALE,
        (
            now,
            now - CLAIM_TIMEOUT,
            retry.MAX_ATTEMPTS,
            "the sender stopped while sending it (worker restarted?): it may arrive twice",
            PENDING,
            SENDING,
            FAILED,
        ),
    )
    return len(rows)


async def mark_sent(message_ids: Sequence[int], now: datetime) -> None:
    """Write SENT for the messages the SMTP server took, in one statement."""
    ids = ", ".join(f"${n}" for n in range(3, 3 + len(message_ids)))  # placeholders only
    await sql.fetch(MARK_SENT.format(ids=ids), (now, SENT, *message_ids))


async def mark_failure(
    message: Claimed, now: datetime, error: str, *, permanent: bool
) -> OutboxState:
    """Count a failed attempt: PENDING again after the backoff, or FAILED when the
    failure is permanent or the attempts are spent. Returns the state it is left in."""
    attempts = message.attempts + 1
    state = OutboxState.FAILED if permanent or retry.gives_up(attempts) else OutboxState.PENDING
    await sql.fetch(
        MARK_FAILURE,
        (message.id, state.value, attempts, now + retry.wait_after(attempts), error, SENDING),
    )
    return state


async def unclaim(message_ids: Iterable[int]) -> None:
    for message_id in message_ids:
        await sql.fetch(UNCLAIM, (message_id, PENDING, SENDING))
