"""Which sender makes a mailing's messages: a claim, then a conditional mark.

A claim is one statement that takes the oldest due mailing and stamps claimed_at, so that
senders in several workers build different mailings at the same moment (FOR UPDATE SKIP
LOCKED on PostgreSQL, in a MATERIALIZED CTE as mail.claims explains; SQLite runs one
writer at a time). It is committed at once and held while the messages are built,
outside any transaction: on SQLite a transaction holding the write lock that long would
stop every other write of the server meanwhile.

The claim only saves work; it is not what makes each message exist once. That is the
write (mailing_expansion): the messages, under dedupe keys, and `mark_expanded`, in one
transaction, which rolls back when the mark finds the mailing expanded already. A claim
older than CLAIM_TIMEOUT belongs to a sender that stopped (a worker killed while
building): the mailing is taken again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from voiceapp.core.db import is_postgres, sql_client
from voiceapp.core.models import Mailing
from voiceapp.mail import sql

# Far longer than making the messages of the largest meeting takes (a second or so).
CLAIM_TIMEOUT = timedelta(minutes=2)

# Due mailings, oldest first. $1 now, $2 claims made before this are dead.
PICK = """
SELECT id FROM mailing
WHERE expanded_at IS NULL AND next_attempt_at <= $1
  AND (claimed_at IS NULL OR claimed_at < $2)
ORDER BY id
LIMIT 1
"""
# Both built from PICK, a constant: no value is ever formatted into SQL (S608).
CLAIM_ON_POSTGRES = f"""
WITH picked AS MATERIALIZED ({PICK} FOR UPDATE SKIP LOCKED)
UPDATE mailing SET claimed_at = $1
FROM picked
WHERE mailing.id = picked.id AND mailing.expanded_at IS NULL
RETURNING mailing.id, mailing.payload, mailing.attempts
"""  # noqa: S608
CLAIM_ON_SQLITE = f"""
UPDATE mailing SET claimed_at = $1
WHERE id IN ({PICK})
RETURNING id, payload, attempts
"""  # noqa: S608


@dataclass(frozen=True)
class Claimed:
    id: int
    payload: str
    attempts: int  # made before this one


async def claim_next(now: datetime) -> Claimed | None:
    """The oldest mailing due at `now` that no live sender holds, now this sender's."""
    claim = CLAIM_ON_POSTGRES if is_postgres(sql_client()) else CLAIM_ON_SQLITE
    rows = await sql.fetch(claim, (now, now - CLAIM_TIMEOUT))
    if not rows:
        return None
    row = rows[0]
    return Claimed(row["id"], row["payload"], row["attempts"])


async def mark_expanded(mailing_id: int, now: datetime) -> bool:
    """In the transaction that wrote its messages: whether this sender is the first to
    (otherwise that transaction must roll back)."""
    moved = await Mailing.filter(id=mailing_id, expanded_at=None).update(
        expanded_at=now, claimed_at=None
    )
    return moved == 1


async def release(claimed: Claimed, error: str, retry_at: datetime) -> None:
    """Making its messages failed: try again at `retry_at`, and say why."""
    await Mailing.filter(id=claimed.id, expanded_at=None).update(
        claimed_at=None,
        attempts=claimed.attempts + 1,
        last_error=error[:500],
        next_attempt_at=retry_at,
    )
