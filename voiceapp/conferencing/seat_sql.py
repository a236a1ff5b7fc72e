"""Taking a seat in one trip to the database: the seat rule, and the SQL behind
`seats.walk_in` and `seats.reserve_seat`.

A caller who types a conference ID costs: find the room, take a seat if it has no PIN and
is under its cap, and write the call's outcome (joined or room full). Through the ORM
that was eight statements and a transaction, and the room's row lock (PostgreSQL) or the
connection's lock (SQLite) was held across several turns of a busy event loop: the
benchmark measured 1-3% of the baseline. Here no lock outlives the database's own work:

- PostgreSQL runs one statement (data-modifying CTEs): one round trip, atomic.
- SQLite cannot modify data in a CTE, so the same steps run as plain statements in one
  transaction, inline on the event loop's thread (`sqlite_inline`).

The rule itself is written once, below (`LOOK`, `MAY_TRY`, `UNDER_CAP`, `OUTCOME`), and
both databases' statements are built from it, so the two cannot admit differently;
tests/test_seat_rule.py runs one table of cases on both. `seats_taken` moves only through
the conditional UPDATE. On PostgreSQL an end that commits while the statement runs is not
in its snapshot: that seat is taken (and freed by expiry), but the end is never
overwritten with "joined" (`NOT_OVER_AN_END`, checked on the row as last committed).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

from voiceapp.core.db import is_postgres, numbered_for_sqlite, sql_client
from voiceapp.core.models import Room, SeatState
from voiceapp.core.sqlite_inline import run_inline, write_transaction
from voiceapp.history.call_records import EXTENSION_OF, Caller, Outcome, upsert_statement

# How the room is named: by the ID the caller typed or, once its PIN was checked, by its
# row id.
RoomBy = Literal["conference_id", "id"]

# The seat rule. A call takes a seat in a room only when:
#   - the room exists (LOOK finds its row);
#   - every one of MAY_TRY holds on that row;
#   - the room is under its cap (UNDER_CAP), checked by the one conditional UPDATE that
#     moves `seats_taken`, so on the room's row as last committed: the cap holds however
#     many callers try at once.
# Whenever MAY_TRY holds, the call's outcome (OUTCOME: did it take a seat?) is written in
# the same transaction, never over an end the carrier already reported (NOT_OVER_AN_END).
#
# Parameters: the look's, in both databases, are $1 the room's conference ID or id, $2
# CallSid, $3 PIN checked, $4 the host PIN typed (`Attempt.look_parameters`); PostgreSQL's
# one statement adds $5 caller, $6 now, $7 the dialled number as sent, $8 its E.164 form
# (`Attempt.parameters`).
LOOK = """
SELECT room.*, held.room_id AS held_room, ended.id IS NOT NULL AS call_ended,
       {may_try} AS may_try
FROM room
LEFT JOIN seat AS held ON held.call_sid = $2
LEFT JOIN call_record AS ended ON ended.call_sid = $2 AND ended.ended_at IS NOT NULL
WHERE room.{room_by} = $1
"""
MAY_TRY = (
    "room.pin IS NULL OR $3",  # its PIN was checked, or it has none
    # One seat per call: a retried webhook finds the seat it took, and a call with a seat
    # in another room (it went back and typed another ID) gives that up first (`seats`).
    "held.id IS NULL",
    # The carrier has not said the call is over (its status callback can overtake this
    # webhook): nobody is there to sit down.
    "ended.id IS NULL",
    # A locked room takes no newcomer but its hosts. Read in the same statement as the
    # seat is taken, so a lock set before it committed is never walked past.
    "NOT room.locked OR $4",
)
UNDER_CAP = "seats_taken < capacity"
OUTCOME = {True: Outcome.JOINED, False: Outcome.ROOM_FULL}
# The outcome's upsert checks this on the row as last committed, not as the look saw it:
# on PostgreSQL an end written meanwhile (the status callback) is not overwritten.
NOT_OVER_AN_END = "call_record.ended_at IS NULL"


def looked_up(room_by: RoomBy) -> str:
    """LOOK's row, with `may_try`: whether the rule lets this call try for a seat there."""
    may_try = " AND ".join(f"({condition})" for condition in MAY_TRY)
    return LOOK.format(room_by=room_by, may_try=may_try)


def take_statement(room_id: str) -> str:
    """The one conditional UPDATE that moves `seats_taken`; `room_id` is SQL (a constant)."""
    return (
        "UPDATE room SET seats_taken = seats_taken + 1 "  # noqa: S608
        f"WHERE id = {room_id} AND {UNDER_CAP} RETURNING seats_taken"
    )


POSTGRES_TAKE_SEAT = """
WITH target AS (
    {looked_up}
), taken AS (
    {take}
), seated AS (
    INSERT INTO seat (room_id, call_sid, caller, state, reserved_at, is_host, muted, on_hold,
                      sequence)
    SELECT target.id, $2, $5, '{reserved}', $6, $4, target.muted_on_entry AND NOT $4, false, 0
    FROM target, taken
), recorded AS (
    INSERT INTO call_record (call_sid, caller, called, extension_number, started_at,
                             outcome, room_id, room_name, joined_at)
    SELECT $2, $5, $7, ({extension_of}), $6,
           CASE WHEN EXISTS (SELECT 1 FROM taken) THEN '{joined}' ELSE '{room_full}' END,
           target.id, target.name,
           CASE WHEN EXISTS (SELECT 1 FROM taken) THEN $6 END
    FROM target
    WHERE target.may_try
    ON CONFLICT (call_sid) DO UPDATE SET outcome = excluded.outcome,
        room_id = excluded.room_id, room_name = excluded.room_name,
        joined_at = excluded.joined_at
    WHERE {not_over_an_end}
)
SELECT target.*, (SELECT seats_taken FROM taken) AS seats_now
FROM target
"""
POSTGRES_STATEMENTS: dict[RoomBy, str] = {
    by: POSTGRES_TAKE_SEAT.format(
        looked_up=looked_up(by),
        take=take_statement("(SELECT id FROM target WHERE may_try)"),
        reserved=SeatState.RESERVED.value,
        joined=OUTCOME[True].value,
        room_full=OUTCOME[False].value,
        extension_of=EXTENSION_OF.format(param=8),
        not_over_an_end=NOT_OVER_AN_END,
    )
    for by in ("conference_id", "id")
}

# SQLite's steps, one statement each.
SQLITE_LOOK: dict[RoomBy, str] = {
    by: numbered_for_sqlite(looked_up(by)) for by in ("conference_id", "id")
}
SQLITE_TAKE = numbered_for_sqlite(take_statement("$1"))
SQLITE_SEAT = (
    "INSERT INTO seat (room_id, call_sid, caller, state, reserved_at, is_host, muted, on_hold, "
    "sequence) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)"
)
# The call's outcome, written as call_records writes every other one. In SQLite's one
# write transaction no end can come between the look and this, but the rule is the same.
SQLITE_RECORD = numbered_for_sqlite(
    upsert_statement(("outcome", "room_id", "room_name", "joined_at")) + f" WHERE {NOT_OVER_AN_END}"
)


@dataclass(frozen=True)
class Attempt:
    """One caller trying for a seat."""

    room_by: RoomBy
    room: str | int  # the conference ID typed, or the room's id
    caller: Caller
    e164: str | None  # the dialled number's E.164 form, for the history
    now: datetime
    host: bool = False  # typed the room's host PIN

    @property
    def pin_checked(self) -> bool:
        return self.room_by == "id"

    def look_parameters(self) -> tuple[object, ...]:
        """$1 to $4: the look's, in both databases."""
        return (self.room, self.caller.call_sid, self.pin_checked, self.host)

    def parameters(self) -> tuple[object, ...]:
        """$1 to $8: PostgreSQL's one statement's."""
        caller = self.caller
        return (*self.look_parameters(), caller.number, self.now, caller.called, self.e164)


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
    """Find the room; take a seat for this call if the rule allows; when a seat was tried
    for, write the call's outcome. All or nothing, in one trip."""
    client = sql_client()
    if is_postgres(client):
        return await _on_postgres(client, attempt)
    found = await run_inline(client, lambda db: _on_sqlite(db, attempt))
    if found is None:
        return Taken(None, None, None)
    return _taken(*found)


def _taken(row: dict[str, Any], seats_now: int | None) -> Taken:
    """An attempt's result from the looked-up row (the room's columns and LOOK's own)."""
    held_room, call_ended = row.pop("held_room"), bool(row.pop("call_ended"))
    del row["may_try"]
    return Taken(room_of(row), seats_now, held_room, call_ended)


def room_of(row: dict[str, Any]) -> Room:
    """A Room from its row's columns, as read by hand-written SQL."""
    created_at = row["created_at"]
    if isinstance(created_at, str):
        # SQLite keeps timestamps as text. Tortoise's parser for them (iso8601) took a
        # sixth of this webhook's time under load; the standard library's is in C.
        row["created_at"] = datetime.fromisoformat(created_at)
    # Tortoise's own way from a row to a model (what its querysets use).
    return Room._init_from_db(**row)


# A caller's seat and its room, for the keypad menu: every menu webhook reads both, and
# through the ORM the query's building cost more than the database (bench/menu_trip.py).
SEAT_AND_ROOM = """
SELECT seat.state AS seat_state, seat.is_host AS seat_is_host, seat.muted AS seat_muted,
       seat.account_sid AS seat_account_sid, room.*
FROM seat JOIN room ON room.id = seat.room_id
WHERE seat.call_sid = $1
"""
SQLITE_SEAT_AND_ROOM = numbered_for_sqlite(SEAT_AND_ROOM)


@dataclass(frozen=True)
class SeatInRoom:
    """What the keypad menu needs of a caller's seat, with its room."""

    call_sid: str
    state: SeatState
    is_host: bool
    muted: bool
    account_sid: str | None
    room: Room


async def seat_in_room(call_sid: str) -> SeatInRoom | None:
    """The call's seat and its room, in one trip; None when the call holds no seat."""
    client = sql_client()
    row: dict[str, Any] | None
    if is_postgres(client):
        async with client.acquire_connection() as connection:
            found = await connection.fetchrow(SEAT_AND_ROOM, call_sid)
        row = dict(found) if found is not None else None
    else:

        def read(db: sqlite3.Connection) -> dict[str, Any] | None:
            found = db.execute(SQLITE_SEAT_AND_ROOM, (call_sid,)).fetchone()
            return dict(zip(found.keys(), found, strict=True)) if found is not None else None

        row = await run_inline(client, read)
    if row is None:
        return None
    return SeatInRoom(
        call_sid=call_sid,
        state=SeatState(row.pop("seat_state")),
        is_host=bool(row.pop("seat_is_host")),
        muted=bool(row.pop("seat_muted")),
        account_sid=row.pop("seat_account_sid"),
        room=room_of(row),
    )


async def _on_postgres(client: BaseDBAsyncClient, attempt: Attempt) -> Taken:
    try:
        return await _run_on_postgres(client, attempt)
    except asyncpg.UniqueViolationError:
        # Two webhooks of the same call raced (a carrier retry): the other one's seat
        # committed between our look and our insert, and this statement was undone
        # whole. Looking again finds it.
        return await _run_on_postgres(client, attempt)


async def _run_on_postgres(client: BaseDBAsyncClient, attempt: Attempt) -> Taken:
    async with client.acquire_connection() as connection:
        row = await connection.fetchrow(POSTGRES_STATEMENTS[attempt.room_by], *attempt.parameters())
    if row is None:
        return Taken(None, None, None)
    values = dict(row)
    return _taken(values, values.pop("seats_now"))


# What the SQLite steps found: the looked-up row, and seats_now.
Found = tuple[dict[str, Any], int | None]


def _on_sqlite(db: sqlite3.Connection, attempt: Attempt) -> Found | None:
    """The PostgreSQL statement's steps, on SQLite, as one transaction."""
    with write_transaction(db):
        return _steps_on_sqlite(db, attempt)


def _steps_on_sqlite(db: sqlite3.Connection, attempt: Attempt) -> Found | None:
    found = db.execute(SQLITE_LOOK[attempt.room_by], attempt.look_parameters()).fetchone()
    if found is None:
        return None
    # By position: dict(found) would look each column up by name, among all of them.
    row = dict(zip(found.keys(), found, strict=True))
    if not row["may_try"]:
        return row, None
    taken = db.execute(SQLITE_TAKE, (row["id"],)).fetchone()
    caller = attempt.caller
    if taken is not None:
        seat = (row["id"], caller.call_sid, caller.number, SeatState.RESERVED.value)
        muted = bool(row["muted_on_entry"]) and not attempt.host
        db.execute(SQLITE_SEAT, (*seat, attempt.now, attempt.host, muted))
    db.execute(
        SQLITE_RECORD,
        (
            caller.call_sid,
            caller.number,
            caller.called,
            attempt.e164,
            attempt.now,
            OUTCOME[taken is not None].value,
            row["id"],
            row["name"],
            attempt.now if taken is not None else None,
        ),
    )
    return row, (taken[0] if taken is not None else None)
