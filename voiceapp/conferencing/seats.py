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

from voiceapp.conferencing import participant_sql, seat_sql
from voiceapp.conferencing.rooms import CONFERENCE_ID_PATTERN
from voiceapp.conferencing.seat_sql import Attempt, RoomBy, Taken
from voiceapp.core.db import execute_sql
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
    # The room is locked and the caller is not its host: no seat.
    locked: bool = False


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


async def reserve_seat(
    room: Room, caller: Caller, overdue_seconds: int, *, host: bool = False
) -> Reservation:
    """A seat in `room` (its PIN, or its host PIN with `host`, already checked) if it is
    under its cap and not locked to this caller, with the call's outcome written. A room
    deleted meanwhile is a full one."""
    taken = await _take("id", room.pk, caller, host=host)
    if taken.room is None:
        return Reservation(admitted=False, others=room.capacity)
    return await _settle(taken, caller, overdue_seconds, host=host)


async def _take(room_by: RoomBy, key: str | int, caller: Caller, *, host: bool = False) -> Taken:
    return await seat_sql.take_seat(
        Attempt(room_by, key, caller, to_e164_or_none(caller.called), now(), host=host)
    )


async def _settle(
    taken: Taken, caller: Caller, overdue_seconds: int, *, host: bool = False
) -> Reservation:
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
    if room.locked and not host:
        return Reservation(admitted=False, others=0, locked=True)
    if taken.held_room is not None:
        # A seat in another room (the caller went back and typed another ID): give it up.
        await release_seat(caller.call_sid)
        return await reserve_seat(room, caller, overdue_seconds, host=host)
    # Full. Overdue seats only matter once the room looks full, so they are swept then,
    # not on every join.
    if await release_overdue(overdue_seconds, room_id=room.pk):
        retried = await _take("id", room.pk, caller, host=host)
        if retried.seats_now is not None:
            return Reservation(admitted=True, others=retried.seats_now - 1)
    return Reservation(admitted=False, others=room.capacity)


@dataclass(frozen=True)
class ParticipantReport:
    """What a conference status callback says of one participant."""

    call_sid: str
    conference_sid: str
    account_sid: str | None = None
    muted: bool | None = None
    on_hold: bool | None = None
    # The carrier's SequenceNumber (0: not sent). Callbacks are not delivered in order.
    sequence: int = 0

    def parameters(self) -> tuple[object, ...]:
        """participant_sql's $1 to $6."""
        return (
            self.call_sid,
            self.conference_sid,
            self.account_sid,
            self.muted,
            self.on_hold,
            self.sequence,
        )


async def confirm_join(report: ParticipantReport) -> bool:
    """The carrier says the caller is in the conference: first, or back from the keypad
    menu (the same seat: nothing is counted again). True when this changed a seat; a
    replay, or a join arriving after the leave, changes nothing."""
    return bool(await execute_sql(participant_sql.JOINED, (*report.parameters(), now())))


async def step_out(report: ParticipantReport) -> bool:
    """The caller left the conference with the call still on (ParticipantCallStatus
    in-progress): they pressed * for the keypad menu, or were removed, or the conference
    ended. The seat is kept for the way back; removal and the conference's end free it
    by their own ways (`release_conference`, the call's end)."""
    return bool(await execute_sql(participant_sql.STEPPED_OUT, report.parameters()))


async def participant_changed(report: ParticipantReport) -> bool:
    """Muted or held (or let go) by the carrier: the roster follows."""
    return bool(await execute_sql(participant_sql.CHANGED, report.parameters()))


async def in_room(room_id: int) -> list[Seat]:
    """The room's seats, oldest first: the Live page's roster, the menu's count."""
    return await Seat.filter(room_id=room_id).order_by("reserved_at")


async def free_seat(call_sid: str) -> Seat | None:
    """Free the seat this call holds, if any: the seat as it was, when this call freed it
    (what the call's end goes on to read: was it a host's?), else None."""
    seat = await Seat.get_or_none(call_sid=call_sid)
    if seat is None:
        return None
    async with in_transaction():
        deleted = await Seat.filter(id=seat.pk).delete()
        if deleted != 1:  # a concurrent release of the same call got there first
            return None
        await Room.filter(id=seat.room_id).update(  # type: ignore[attr-defined]
            seats_taken=F("seats_taken") - 1
        )
    return seat


async def release_seat(call_sid: str) -> bool:
    """Free the seat this call holds, if any. True when a seat was freed by this call."""
    return await free_seat(call_sid) is not None


async def release_conference(
    conference_sid: str, *, room_id: int | None = None, for_everyone: bool = True
) -> int:
    """The conference ended: free the seats of the callers it held, and unlock the room
    (`room_id`: a lock lasts as long as its conference). `for_everyone` False (it ended
    because its last caller left): a caller out in the keypad menu keeps their seat, and
    their way back starts the conference again."""
    if room_id is not None:
        # Not while callers sit in another conference of the room (two emulators, two
        # `voiceapp call` processes, each keep their own): the lock is still theirs.
        elsewhere = Seat.filter(room_id=room_id, state=SeatState.JOINED).exclude(
            conference_sid=conference_sid
        )
        if not await elsewhere.exists():
            await Room.filter(id=room_id, locked=True).update(locked=False)
    # A removed caller's seat is freed when their call ends, which the goodbye that says
    # why (menu_flow) brings: freed now, they would be told the conference ended.
    ended = Seat.filter(conference_sid=conference_sid).exclude(state=SeatState.REMOVED)
    if not for_everyone:
        ended = ended.exclude(state=SeatState.IN_MENU)
    freed = 0
    for call_sid in await ended.values_list("call_sid", flat=True):
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
    return await in_room(room.pk)
