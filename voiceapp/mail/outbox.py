"""Queueing mail: the outbox row, written in the caller's transaction.

Call `queue` inside the transaction that makes the change the mail is about, so that the
mail exists exactly when the change does:

    async with in_transaction():
        meeting = await Meeting.create(...)
        for invitee in invitees:
            await outbox.queue(invitation(meeting, invitee))

Tortoise routes every query made inside `async with in_transaction():` (in that task)
to the transaction's connection, the ORM's and `db.sql_client()`'s alike, so `queue`
needs nothing more. Code that holds the connection (`in_transaction() as connection`) may
pass it as `using_db=connection`. Outside a transaction the row is committed at once.

The row is delivered after the commit by the sender (see `sender`); `queue` only nudges
this process's sender so that it looks at once.

`queue_many` writes many messages already prepared (wire.prepare_copies: one message
copied to each reader) in a few statements, each under its dedupe key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage

from tortoise.backends.base.client import BaseDBAsyncClient

from voiceapp.core.db import sql_client
from voiceapp.core.models import OutboxMessage, OutboxState
from voiceapp.mail import sql
from voiceapp.mail.wakeup import wakeup
from voiceapp.mail.wire import Prepared, prepare

MAX_DEDUPE_KEY = 200  # the column's size (models.OutboxMessage.dedupe_key)
# Rows per INSERT in `queue_many`: 4 parameters each, well under SQLite's limit (32766).
ROWS_PER_INSERT = 100

# ON CONFLICT DO NOTHING (PostgreSQL, and SQLite since 3.24) makes a second message with
# the same key a no-op that returns no row. An INSERT that failed on the unique index
# instead would abort the caller's whole transaction on PostgreSQL.
INSERT_ONCE = """
INSERT INTO outbox_message
    (recipient, subject, message, state, attempts, next_attempt_at, last_error,
     created_at, dedupe_key)
VALUES ($1, $2, $3, $4, 0, $5, '', $5, $6)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


async def queue(
    message: EmailMessage,
    *,
    dedupe_key: str | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> OutboxMessage | None:
    """Write `message` to the outbox, in the current transaction (see the module's
    docstring); None when a message with `dedupe_key` is already there (from this or
    any other worker, sent or not).

    `message` has one address, in To. A missing From is the sender's (VOICEAPP_MAIL_FROM),
    added when it is sent; a missing Date and Message-ID are added now. Raises ValueError
    for a message that cannot be queued (no or several recipients, 8-bit binary parts).
    """
    prepared = prepare(message)
    client = using_db or sql_client()
    now = datetime.now(UTC)
    if dedupe_key is None:
        row = await OutboxMessage.create(
            using_db=client,
            recipient=prepared.recipient,
            subject=prepared.subject,
            message=prepared.text,
            next_attempt_at=now,
        )
    else:
        _check_key(dedupe_key)
        inserted = await sql.fetch(
            INSERT_ONCE,
            (
                prepared.recipient,
                prepared.subject,
                prepared.text,
                OutboxState.PENDING.value,
                now,
                dedupe_key,
            ),
            client,
        )
        if not inserted:
            return None
        row = await OutboxMessage.get(id=inserted[0]["id"], using_db=client)
    wakeup.notify()
    return row


# `queue_many`'s INSERT: $1 the state, $2 now, then 4 per row ({rows}).
INSERT_MANY_ONCE = """
INSERT INTO outbox_message
    (recipient, subject, message, state, attempts, next_attempt_at, last_error,
     created_at, dedupe_key)
VALUES {rows}
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


async def queue_many(
    messages: Sequence[tuple[Prepared, str]], *, using_db: BaseDBAsyncClient | None = None
) -> int:
    """Write messages already prepared (wire.prepare, wire.prepare_copies), each with its
    dedupe key, in the current transaction: as `queue` does, in a few statements
    instead of one per message. How many were new (a key already there is a no-op)."""
    for _, key in messages:
        _check_key(key)
    client = using_db or sql_client()
    now = datetime.now(UTC)
    written = 0
    for start in range(0, len(messages), ROWS_PER_INSERT):
        chunk = messages[start : start + ROWS_PER_INSERT]
        # Placeholders only: every value is a parameter.
        rows = ", ".join(
            f"(${n}, ${n + 1}, ${n + 2}, $1, 0, $2, '', $2, ${n + 3})"
            for n in range(3, 3 + 4 * len(chunk), 4)
        )
        params: list[object] = [OutboxState.PENDING.value, now]
        for prepared, key in chunk:
            params += [prepared.recipient, prepared.subject, prepared.text, key]
        written += len(await sql.fetch(INSERT_MANY_ONCE.format(rows=rows), params, client))
    if written:
        wakeup.notify()
    return written


def _check_key(key: str) -> None:
    if not 0 < len(key) <= MAX_DEDUPE_KEY:
        raise ValueError(f"a dedupe key is 1 to {MAX_DEDUPE_KEY} characters")
