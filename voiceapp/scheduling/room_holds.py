"""A room held by a booking: its row locked for the length of the booking's transaction,
and the rule that reads other meetings, that one room is never booked twice at once.

Every booking, change of time and change of room takes the lock first (`lock_room`),
then checks the overlap (`check_room_free`), then writes, in one transaction: two
organizers booking one slot at the same moment, in any worker or process, are served
one after the other, and the second sees the first's sittings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from voiceapp.core.db import is_postgres, numbered_for_sqlite, sql_client
from voiceapp.core.errors import Conflict, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import Meeting, MeetingStatus, Occurrence
from voiceapp.scheduling.occurrences import Sitting


@dataclass(frozen=True)
class LockedRoom:
    id: int
    name: str
    conference_id: str
    pin: str | None
    capacity: int


# PostgreSQL: the room's row lock. Every booking of the room takes it first, so bookings
# of one room run one after another, and READ COMMITTED lets each one's next statement
# see the sittings the one before committed.
LOCK_ROOM_POSTGRES = (
    "SELECT id, name, conference_id, pin, capacity FROM room WHERE id = $1 FOR UPDATE"
)
# SQLite: the ORM begins a deferred transaction (BEGIN). A write as its first statement
# takes the database's write lock before anything is read (what BEGIN IMMEDIATE does),
# waiting for another process's booking to finish; a read first would instead fail with
# "database is locked" when it later tried to write. No row changes.
TAKE_WRITE_LOCK_SQLITE = "UPDATE room SET capacity = capacity WHERE id = $1"
READ_ROOM = "SELECT id, name, conference_id, pin, capacity FROM room WHERE id = $1"


async def lock_room(room_id: int) -> LockedRoom:
    """Lock the room for the rest of the current transaction (call it first in it) and
    read it as it is now. NotFound when it was deleted meanwhile."""
    client = sql_client()
    if is_postgres(client):
        _, rows = await client.execute_query(LOCK_ROOM_POSTGRES, [room_id])
    else:
        await client.execute_query(numbered_for_sqlite(TAKE_WRITE_LOCK_SQLITE), [room_id])
        _, rows = await client.execute_query(numbered_for_sqlite(READ_ROOM), [room_id])
    if not rows:
        raise NotFound(N_("the room was deleted meanwhile: choose another one"), field="room")
    row = rows[0]
    return LockedRoom(
        id=int(row["id"]),
        name=str(row["name"]),
        conference_id=str(row["conference_id"]),
        pin=row["pin"],
        capacity=int(row["capacity"]),
    )


async def check_room_free(
    room: LockedRoom,
    sittings: Sequence[Sitting],
    zone: ZoneInfo,
    *,
    except_meeting: int | None = None,
) -> None:
    """Refuse when another scheduled meeting holds `room` during any of `sittings`,
    naming the first such meeting (its subject, organizer and time, in `zone`).

    Called after `lock_room`, inside the booking's transaction."""
    if not sittings:
        return
    first = min(sitting.starts_at for sitting in sittings)
    last = max(sitting.ends_at for sitting in sittings)
    taken = Occurrence.filter(
        room_id=room.id,
        starts_at__lt=last,
        ends_at__gt=first,
        meeting__status=MeetingStatus.SCHEDULED,
    )
    if except_meeting is not None:
        taken = taken.exclude(meeting_id=except_meeting)
    held = await taken.order_by("starts_at").values_list("meeting_id", "starts_at", "ends_at")
    clash = _first_clash(sittings, [(int(m), s, e) for m, s, e in held])
    if clash is None:
        return
    meeting_id, starts_at, ends_at = clash
    other = await Meeting.get(id=meeting_id)
    raise Conflict(
        # Translators: %(room)s is a room's name; %(subject)s the other meeting's subject;
        # %(organizer)s who booked it; %(start)s and %(end)s dates and times; %(zone)s a
        # time zone name.
        N_(
            "room %(room)s is already booked then: %(subject)s, organized by "
            "%(organizer)s, %(start)s to %(end)s (%(zone)s); choose another time or room"
        ),
        params={
            "room": room.name,
            "subject": repr(other.subject),
            "organizer": other.organizer_name,
            "start": starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "end": ends_at.astimezone(zone).strftime("%H:%M"),
            "zone": zone.key,
        },
        field="start",
    )


def _first_clash(
    wanted: Sequence[Sitting], held: Sequence[tuple[int, datetime, datetime]]
) -> tuple[int, datetime, datetime] | None:
    """The earliest held sitting overlapping one of `wanted` (both sorted by start:
    one walk over the two lists)."""
    ordered = sorted(wanted, key=lambda sitting: sitting.starts_at)
    index = 0
    for meeting_id, starts_at, ends_at in held:
        # Wanted sittings ending before this held one starts overlap none after it.
        while index < len(ordered) and ordered[index].ends_at <= starts_at:
            index += 1
        if index == len(ordered):
            return None
        if ordered[index].starts_at < ends_at:
            return meeting_id, starts_at, ends_at
    return None
