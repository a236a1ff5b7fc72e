"""Who is in which room now, and the cap that no room may exceed.

The one rule that matters: `Room.seats_taken` only moves through a single conditional
UPDATE ("... SET seats_taken = seats_taken + 1 WHERE id = ? AND seats_taken < capacity")
that must change exactly one row. It lives in `seat_sql`, which takes a seat in one trip
to the database, since that is the step every joining caller waits on; it also states,
once for both databases, who may take a seat (the PIN, one seat per call, none after the
call's end, the cap), and `_settle` here turns what it did into the caller's answer.
Reading the count and then saving admits too many callers under concurrency (measured:
193-200 of 200), and select_for_update is ignored on SQLite. Every seat row is paired
with one increment; releasing deletes the row first and decrements only when this
caller's delete removed it, so replays change nothing twice.

When a seat is freed (the policy, also in the README): by the carrier's word that the call
left (participant-leave, conference-end, the call's status callback), and otherwise only
once the call cannot still be on. A reservation whose participant-join never arrived is
NOT freed after a while: the caller may well be in the conference, and freeing the seat
would let one caller too many in (the carrier then refuses them, error 16020). It is
freed when the carrier says the call is over (`seat_upkeep`, with REST credentials), or
at the latest once the call's time limit (<Dial timeLimit>) has passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from voiceapp.conferencing import seat_sql
from voiceapp.conferencing.rooms import CONFERENCE_ID_PATTERN
from voiceapp.conferencing.seat_sql import Attempt, RoomBy, Taken
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.core.phone_numbers import to_e164_or_none
from voiceapp.history.call_records import Caller

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Reservation:
    admitted: bool
    # Callers already in (or on their way into) the room, not counting this one.
    others: int
    # The caller had hung up before the seat was looked for: nobody hears the answer.
    call_over: bool = False


@dataclass(frozen=True)
class WalkIn:
    """A caller typed a conference ID: the room it names (None: no such room) and, for a
    room without a PIN, the seat they tried for (None: the room asks for its PIN first)."""

    room: Room | None
    reservation: Reservation | None


async def walk_in(conference_id: str, caller: Caller, overdue_seconds: int) -> WalkIn:
    """The room a typed conference ID names and, when it has no PIN, a seat in it, with
    the call's outcome written (joined or room full): one trip to the database."""
    if not CONFERENCE_ID_PATTERN.fullmatch(conference_id):
        return WalkIn(None, None)
    taken = await _take("conference_id", conference_id, caller)
    if taken.room is None or taken.room.pin is not None:
        return WalkIn(taken.room, None)
    return WalkIn(taken.room, await _settle(taken, caller, overdue_seconds))


async def reserve_seat(room: Room, caller: Caller, overdue_seconds: int) -> Reservation:
    """A seat in `room` (its PIN already checked) if it is under its cap, with the call's
    outcome written. A room deleted meanwhile is a full one."""
    taken = await _take("id", room.pk, caller)
    if taken.room is None:
        return Reservation(admitted=False, others=room.capacity)
    return await _settle(taken, caller, overdue_seconds)


async def _take(room_by: RoomBy, key: str | int, caller: Caller) -> Taken:
    return await seat_sql.take_seat(
        Attempt(room_by, key, caller, to_e164_or_none(caller.called), now())
    )


async def _settle(taken: Taken, caller: Caller, overdue_seconds: int) -> Reservation:
    """The reservation an attempt amounts to. Nearly every caller is settled by the first
    attempt; the rest are the rare cases, handled here at the ORM's pace."""
    room = taken.room
    assert room is not None
    if taken.call_ended:
        return Reservation(admitted=False, others=0, call_over=True)
    if taken.seats_now is not None:
        # seats_taken counts every seat in the room, this caller's included.
        return Reservation(admitted=True, others=taken.seats_now - 1)
    if taken.held_room == room.pk:
        # The carrier asked again for the same call (a retried webhook): same seat.
        return Reservation(admitted=True, others=max(0, room.seats_taken - 1))
    if taken.held_room is not None:
        # A seat in another room (the caller went back and typed another ID): give it up.
        await release_seat(caller.call_sid)
        return await reserve_seat(room, caller, overdue_seconds)
    # Full. Overdue seats only matter once the room looks full, so they are swept then,
    # not on every join.
    if await release_overdue(overdue_seconds, room_id=room.pk):
        retried = await _take("id", room.pk, caller)
        if retried.seats_now is not None:
            return Reservation(admitted=True, others=retried.seats_now - 1)
    return Reservation(admitted=False, others=room.capacity)


async def confirm_join(call_sid: str, conference_sid: str) -> bool:
    """The carrier says the caller is in the conference. True when this changed a seat;
    a replay, or a join arriving after the leave, changes nothing."""
    changed = await Seat.filter(call_sid=call_sid, state=SeatState.RESERVED).update(
        state=SeatState.JOINED, joined_at=now(), conference_sid=conference_sid
    )
    return changed == 1


async def release_seat(call_sid: str) -> bool:
    """Free the seat this call holds, if any. True when a seat was freed by this call."""
    seat = await Seat.get_or_none(call_sid=call_sid)
    if seat is None:
        return False
    async with in_transaction():
        deleted = await Seat.filter(id=seat.pk).delete()
        if deleted != 1:  # a concurrent release of the same call got there first
            return False
        await Room.filter(id=seat.room_id).update(  # type: ignore[attr-defined]
            seats_taken=F("seats_taken") - 1
        )
    return True


async def release_conference(conference_sid: str) -> int:
    """The conference ended: free every seat still marked as in it."""
    call_sids = await Seat.filter(conference_sid=conference_sid).values_list("call_sid", flat=True)
    freed = 0
    for call_sid in call_sids:
        freed += await release_seat(str(call_sid))
    return freed


async def release_overdue(overdue_seconds: int, *, room_id: int | None = None) -> int:
    """Free seats held for longer than any call can last (`Settings.seat_overdue_seconds`:
    the <Dial timeLimit> after which the carrier hangs up, plus the hold). Every hang-up
    callback of such a call was lost (the database was down, say); the seat is freed now
    rather than never."""
    overdue = Seat.filter(reserved_at__lt=now() - timedelta(seconds=overdue_seconds))
    if room_id is not None:
        overdue = overdue.filter(room_id=room_id)
    freed = 0
    for call_sid in await overdue.values_list("call_sid", flat=True):
        if await release_seat(str(call_sid)):
            log.warning("seat of call %s freed: held past the call time limit", call_sid)
            freed += 1
    return freed


async def roster(room: Room) -> list[Seat]:
    return await Seat.filter(room_id=room.pk).order_by("reserved_at")
