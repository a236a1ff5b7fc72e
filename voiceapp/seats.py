"""Who is in which room now, and the cap that no room may exceed.

The one rule that matters: `Room.seats_taken` only moves through a single conditional
UPDATE ("... SET seats_taken = seats_taken + 1 WHERE id = ? AND seats_taken < capacity")
that must change exactly one row. Reading the count and then saving admits too many
callers under concurrency (measured: 193-200 of 200), and select_for_update is ignored
on SQLite. Every seat row is paired with one increment; releasing deletes the row first
and decrements only when this caller's delete removed it, so replays change nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from voiceapp.models import Room, Seat, SeatState


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Reservation:
    admitted: bool
    # Callers already in (or on their way into) the room, not counting this one.
    others: int


async def reserve_seat(room: Room, call_sid: str, caller: str, hold_seconds: int) -> Reservation:
    """Take a seat in `room` for this call if the room is under its cap."""
    existing = await Seat.get_or_none(call_sid=call_sid)
    if existing is not None:
        if existing.room_id == room.pk:  # type: ignore[attr-defined]
            # The carrier asked again for the same call (a retried webhook): same seat.
            return Reservation(admitted=True, others=await _others(room, call_sid))
        await release_seat(call_sid)
    # Expired reservations only matter once the room looks full, so they are swept then,
    # not on every join (it is one query less on the path every caller takes).
    admitted = await _take_seat(room, call_sid, caller) or (
        await release_expired(hold_seconds, room_id=room.pk) > 0
        and await _take_seat(room, call_sid, caller)
    )
    if not admitted:
        return Reservation(admitted=False, others=room.capacity)
    return Reservation(admitted=True, others=await _others(room, call_sid))


async def _take_seat(room: Room, call_sid: str, caller: str) -> bool:
    async with in_transaction():
        taken = await Room.filter(id=room.pk, seats_taken__lt=F("capacity")).update(
            seats_taken=F("seats_taken") + 1
        )
        if taken != 1:
            return False
        await Seat.create(room_id=room.pk, call_sid=call_sid, caller=caller, reserved_at=now())
    return True


async def _others(room: Room, call_sid: str) -> int:
    return await Seat.filter(room_id=room.pk).exclude(call_sid=call_sid).count()


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


async def release_expired(hold_seconds: int, *, room_id: int | None = None) -> int:
    """Free reservations that never became a join (the caller hung up before the carrier
    connected them and no status callback reached us)."""
    stale = Seat.filter(
        state=SeatState.RESERVED, reserved_at__lt=now() - timedelta(seconds=hold_seconds)
    )
    if room_id is not None:
        stale = stale.filter(room_id=room_id)
    freed = 0
    for call_sid in await stale.values_list("call_sid", flat=True):
        freed += await release_seat(str(call_sid))
    return freed


async def roster(room: Room) -> list[Seat]:
    return await Seat.filter(room_id=room.pk).order_by("reserved_at")
