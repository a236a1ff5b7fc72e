"""Keeping each room's seat counter equal to its seat rows.

Why the counter exists at all: `room.seats_taken` is what makes the cap atomic and cheap.
One conditional UPDATE (`seat_sql`) moves it and fails when the room is full, so callers
arriving together on any worker can never overfill a room, in one trip to the database.
Counting seat rows instead would need the room's row locked, then a count, then the
insert: more statements on the path every joining caller waits on.

The price of a denormalised counter is that it can drift if anything ever writes it other
than through that UPDATE and the paired decrement (seen once: a whole-row save of the room
wrote back a count read earlier; `Room.save` now refuses that). So the counter is checked
against the rows at start-up and by the periodic housekeeping, set right under the room's
row lock, and any drift is logged: a drift is a defect to find, not a state to live with.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from voiceapp.core.db import is_postgres, sql_client
from voiceapp.core.models import Room
from voiceapp.core.sqlite_inline import run_inline, write_transaction

log = logging.getLogger(__name__)

# PostgreSQL, per room, in one transaction: lock the room's row first. Every seat taken or
# freed changes that row in the same transaction as its seat row, so once the lock is ours
# no such transaction is half done, and the count (a new snapshot: READ COMMITTED) sees
# every seat committed before it. Counted in a single statement, the count would come
# from a snapshot taken before the lock was granted and could miss a seat.
LOCK_ROOM = "SELECT seats_taken FROM room WHERE id = $1 FOR UPDATE"
COUNT_SEATS = "SELECT count(*) AS seats FROM seat WHERE room_id = $1"
SET_COUNT = "UPDATE room SET seats_taken = $1 WHERE id = $2"

# SQLite: one write transaction (BEGIN IMMEDIATE) holds every other writer off.
SQLITE_DRIFTED = (
    "SELECT id, seats_taken, (SELECT count(*) FROM seat WHERE seat.room_id = room.id) AS seats "
    "FROM room WHERE seats_taken != (SELECT count(*) FROM seat WHERE seat.room_id = room.id)"
)
SQLITE_SET_COUNT = "UPDATE room SET seats_taken = ? WHERE id = ?"


@dataclass(frozen=True)
class Drift:
    room_id: int
    counted: int  # what the counter said
    seats: int  # the seat rows there really were (the counter now says this)


async def reconcile_seat_counts() -> list[Drift]:
    """Set every room's counter to its number of seat rows; the rooms that had drifted."""
    client = sql_client()
    if is_postgres(client):
        drifts = await _on_postgres()
    else:
        drifts = await run_inline(client, _on_sqlite)
    for drift in drifts:
        log.error(
            "room %s counted %s seats but holds %s: counter set right",
            drift.room_id,
            drift.counted,
            drift.seats,
        )
    return drifts


async def _on_postgres() -> list[Drift]:
    drifts = []
    for room in await Room.all().order_by("id").only("id"):
        async with in_transaction() as connection:
            drift = await _reconcile_room(connection, room.pk)
        if drift is not None:
            drifts.append(drift)
    return drifts


async def _reconcile_room(connection: BaseDBAsyncClient, room_id: int) -> Drift | None:
    _, locked = await connection.execute_query(LOCK_ROOM, [room_id])
    if not locked:  # deleted meanwhile
        return None
    _, counted = await connection.execute_query(COUNT_SEATS, [room_id])
    before, seats = int(locked[0]["seats_taken"]), int(counted[0]["seats"])
    if before == seats:
        return None
    await connection.execute_query(SET_COUNT, [seats, room_id])
    return Drift(room_id, before, seats)


def _on_sqlite(db: sqlite3.Connection) -> list[Drift]:
    with write_transaction(db):
        drifts = [
            Drift(row["id"], row["seats_taken"], row["seats"])
            for row in db.execute(SQLITE_DRIFTED).fetchall()
        ]
        for drift in drifts:
            db.execute(SQLITE_SET_COUNT, (drift.seats, drift.room_id))
    return drifts
