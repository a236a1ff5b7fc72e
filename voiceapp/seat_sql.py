"""Taking a seat in one trip to the database: the SQL behind `seats.walk_in` and
`seats.reserve_seat`.

A caller who types a conference ID costs: find the room, take a seat if it has no PIN and
is under its cap, and write the call's outcome (joined or room full). Through the ORM
that was eight statements and a transaction, and the room's row lock (PostgreSQL) or the
connection's lock (SQLite) was held across several turns of a busy event loop: the
benchmark measured 1-3% of the baseline. Here no lock outlives the database's own work:

- PostgreSQL runs one statement (data-modifying CTEs): one round trip, atomic.
- SQLite cannot modify data in a CTE, so the same steps run as plain statements in one
  transaction, inline on the event loop's thread (`sqlite_inline`).

The two must do the same thing; every seat test runs on both databases. The cap rule is
the one in `seats`: `seats_taken` moves only through the conditional UPDATE, a call that
already holds a seat takes no second one, and a call whose end the carrier has already
reported (its status callback overtook this webhook) takes none at all. On PostgreSQL an
end that commits while the statement runs is not in its snapshot: that seat is taken
(and freed by expiry), but the end is never overwritten with "joined".
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

from voiceapp.call_records import EXTENSION_OF, Caller, Outcome, upsert_statement
from voiceapp.db import is_postgres, numbered_for_sqlite, sql_client
from voiceapp.models import Room, SeatState
from voiceapp.sqlite_inline import run_inline, write_transaction

# How the room is named: by the ID the caller typed (a seat is taken only when the room
# has no PIN) or by its row id once its PIN was checked (a seat is taken in any case).
RoomBy = Literal["conference_id", "id"]

# The parameters, in both databases: $1 the room's conference ID or id, $2 CallSid,
# $3 caller, $4 now, $5 the dialled number as sent, $6 its E.164 form, $7 PIN checked.
POSTGRES_TAKE_SEAT = """
WITH target AS (
    SELECT * FROM room WHERE {room_by} = $1
), held AS (
    SELECT room_id FROM seat WHERE call_sid = $2
), ended AS (
    SELECT 1 FROM call_record WHERE call_sid = $2 AND ended_at IS NOT NULL
), taken AS (
    UPDATE room SET seats_taken = seats_taken + 1
    WHERE id = (SELECT id FROM target WHERE pin IS NULL OR $7::boolean)
      AND seats_taken < capacity
      AND NOT EXISTS (SELECT 1 FROM held)
      AND NOT EXISTS (SELECT 1 FROM ended)
    RETURNING seats_taken
), seated AS (
    INSERT INTO seat (room_id, call_sid, caller, state, reserved_at)
    SELECT target.id, $2, $3, '{reserved}', $4 FROM target, taken
), recorded AS (
    INSERT INTO call_record (call_sid, caller, called, extension_number, started_at,
                             outcome, room_id, room_name, joined_at)
    SELECT $2, $3, $5, ({extension_of}), $4,
           CASE WHEN EXISTS (SELECT 1 FROM taken) THEN '{joined}' ELSE '{room_full}' END,
           target.id, target.name,
           CASE WHEN EXISTS (SELECT 1 FROM taken) THEN $4 END
    FROM target
    WHERE (target.pin IS NULL OR $7::boolean) AND NOT EXISTS (SELECT 1 FROM held)
      AND NOT EXISTS (SELECT 1 FROM ended)
    ON CONFLICT (call_sid) DO UPDATE SET outcome = excluded.outcome,
        room_id = excluded.room_id, room_name = excluded.room_name,
        joined_at = excluded.joined_at
    -- Checked on the row as last committed, not as this statement's snapshot saw it: an
    -- end written meanwhile (the status callback) is not overwritten with "joined".
    WHERE call_record.ended_at IS NULL
)
SELECT target.*, (SELECT seats_taken FROM taken) AS seats_now,
       (SELECT room_id FROM held) AS held_room, EXISTS (SELECT 1 FROM ended) AS call_ended
FROM target
"""
POSTGRES_STATEMENTS: dict[RoomBy, str] = {
    by: POSTGRES_TAKE_SEAT.format(
        room_by=by,
        reserved=SeatState.RESERVED.value,
        joined=Outcome.JOINED.value,
        room_full=Outcome.ROOM_FULL.value,
        extension_of=EXTENSION_OF.format(param=6),
    )
    for by in ("conference_id", "id")
}

# SQLite's steps, one statement each.
SQLITE_ROOM: dict[RoomBy, str] = {
    "conference_id": "SELECT * FROM room WHERE conference_id = ?",
    "id": "SELECT * FROM room WHERE id = ?",
}
SQLITE_HELD = "SELECT room_id FROM seat WHERE call_sid = ?"
SQLITE_ENDED = "SELECT 1 FROM call_record WHERE call_sid = ? AND ended_at IS NOT NULL"
SQLITE_TAKE = (
    "UPDATE room SET seats_taken = seats_taken + 1 "
    "WHERE id = ? AND seats_taken < capacity RETURNING seats_taken"
)
SQLITE_SEAT = (
    "INSERT INTO seat (room_id, call_sid, caller, state, reserved_at) VALUES (?, ?, ?, ?, ?)"
)
# The call's outcome, written as call_records writes every other one.
SQLITE_RECORD = numbered_for_sqlite(
    upsert_statement(("outcome", "room_id", "room_name", "joined_at"))
)


@dataclass(frozen=True)
class Attempt:
    """One caller trying for a seat."""

    room_by: RoomBy
    room: str | int  # the conference ID typed, or the room's id
    caller: Caller
    e164: str | None  # the dialled number's E.164 form, for the history
    now: datetime

    @property
    def pin_checked(self) -> bool:
        return self.room_by == "id"


@dataclass(frozen=True)
class Taken:
    """What one attempt found and did."""

    room: Room | None  # None: no such room
    seats_now: int | None  # this call took a seat; the room now holds this many
    held_room: int | None  # the room this call already held a seat in, before this attempt
    # The carrier had already said the call is over (its status callback can overtake
    # this webhook): no seat is taken and no outcome written over its end.
    call_ended: bool = False


async def take_seat(attempt: Attempt) -> Taken:
    """Find the room; take a seat for this call if the rules allow; when a seat was tried
    for, write the call's outcome. All or nothing, in one trip."""
    client = sql_client()
    if is_postgres(client):
        return await _on_postgres(client, attempt)
    found = await run_inline(client, lambda db: _on_sqlite(db, attempt))
    if found is None:
        return Taken(None, None, None)
    row, seats_now, held_room, call_ended = found
    return Taken(_room(row), seats_now, held_room, call_ended)


def _room(row: dict[str, Any]) -> Room:
    created_at = row["created_at"]
    if isinstance(created_at, str):
        # SQLite keeps timestamps as text. Tortoise's parser for them (iso8601) took a
        # sixth of this webhook's time under load; the standard library's is in C.
        row["created_at"] = datetime.fromisoformat(created_at)
    # Tortoise's own way from a row to a model (what its querysets use).
    return Room._init_from_db(**row)


async def _on_postgres(client: BaseDBAsyncClient, attempt: Attempt) -> Taken:
    try:
        return await _run_on_postgres(client, attempt)
    except asyncpg.UniqueViolationError:
        # Two webhooks of the same call raced (a carrier retry): the other one's seat
        # committed between our look and our insert, and this statement was undone
        # whole. Looking again finds it.
        return await _run_on_postgres(client, attempt)


async def _run_on_postgres(client: BaseDBAsyncClient, attempt: Attempt) -> Taken:
    caller = attempt.caller
    async with client.acquire_connection() as connection:
        row = await connection.fetchrow(
            POSTGRES_STATEMENTS[attempt.room_by],
            attempt.room,
            caller.call_sid,
            caller.number,
            attempt.now,
            caller.called,
            attempt.e164,
            attempt.pin_checked,
        )
    if row is None:
        return Taken(None, None, None)
    values = dict(row)
    seats_now, held_room = values.pop("seats_now"), values.pop("held_room")
    return Taken(_room(values), seats_now, held_room, values.pop("call_ended"))


# What the SQLite steps found: the room's row, seats_now, held_room, call_ended.
Found = tuple[dict[str, Any], int | None, int | None, bool]


def _on_sqlite(db: sqlite3.Connection, attempt: Attempt) -> Found | None:
    """The PostgreSQL statement's steps, on SQLite, as one transaction."""
    with write_transaction(db):
        return _steps_on_sqlite(db, attempt)


def _steps_on_sqlite(db: sqlite3.Connection, attempt: Attempt) -> Found | None:
    caller = attempt.caller
    found = db.execute(SQLITE_ROOM[attempt.room_by], (attempt.room,)).fetchone()
    if found is None:
        return None
    room = dict(found)
    held = db.execute(SQLITE_HELD, (caller.call_sid,)).fetchone()
    ended = db.execute(SQLITE_ENDED, (caller.call_sid,)).fetchone() is not None
    taken = None
    if held is None and not ended and (room["pin"] is None or attempt.pin_checked):
        taken = db.execute(SQLITE_TAKE, (room["id"],)).fetchone()
        if taken is not None:
            seat = (room["id"], caller.call_sid, caller.number, SeatState.RESERVED.value)
            db.execute(SQLITE_SEAT, (*seat, attempt.now))
        db.execute(
            SQLITE_RECORD,
            (
                caller.call_sid,
                caller.number,
                caller.called,
                attempt.e164,
                attempt.now,
                (Outcome.JOINED if taken else Outcome.ROOM_FULL).value,
                room["id"],
                room["name"],
                attempt.now if taken else None,
            ),
        )
    return room, (taken[0] if taken else None), (held[0] if held else None), ended
