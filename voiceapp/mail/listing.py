"""The outbox as the admin page and `voiceapp outbox list` show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from voiceapp.core.models import OutboxMessage, OutboxState

# Everything but the message itself, which can be large: the listing never reads it.
COLUMNS = (
    "id",
    "recipient",
    "subject",
    "state",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
    "next_attempt_at",
)


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    recipient: str
    subject: str
    state: OutboxState
    attempts: int  # delivery attempts made, the successful one included
    last_error: str  # why the last attempt failed; empty once sent
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime  # when a PENDING message is tried (again)


async def list_messages(
    state: OutboxState | None = None, limit: int = 100, offset: int = 0
) -> list[OutboxEntry]:
    """`limit` messages, newest first, after skipping the `offset` newest; one state or all."""
    query = OutboxMessage.all() if state is None else OutboxMessage.filter(state=state)
    rows = await query.order_by("-id").offset(offset).limit(limit).values(*COLUMNS)
    return [OutboxEntry(**{**row, "state": OutboxState(row["state"])}) for row in rows]


async def entry(message_id: int) -> OutboxEntry | None:
    rows = await OutboxMessage.filter(id=message_id).values(*COLUMNS)
    return OutboxEntry(**{**rows[0], "state": OutboxState(rows[0]["state"])}) if rows else None


async def count_by_state() -> dict[OutboxState, int]:
    """How many messages are in each state (every state named, 0 included)."""
    counts = dict.fromkeys(OutboxState, 0)
    for state in OutboxState:
        counts[state] = await OutboxMessage.filter(state=state).count()
    return counts
