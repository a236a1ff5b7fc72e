"""The seat rule as one table of cases, run on SQLite and on PostgreSQL.

`seat_sql` states the rule once and builds both databases' SQL from it. Each case is one
call trying for a seat in a given situation, with what it gets and what the database
holds afterwards; every case runs on every backend (`conference` gives each), so one
dialect admitting differently from the other fails here, case by case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from voiceapp.conferencing import seats
from voiceapp.conferencing.seats import Reservation, WalkIn
from voiceapp.core.models import CallRecord, Room, Seat
from voiceapp.emulator import Carrier
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller, Outcome

from .conftest import FR_NUMBER

# A seat is overdue after the default call time limit (4 h) plus the default hold (60 s).
OVERDUE = 14400 + 60

CALL = Caller("CA-rule", "+33612345678", FR_NUMBER)
OTHER = Caller("CA-other", "+33612345679", FR_NUMBER)

# provision_conference's rooms: Support (5555) has no PIN, Ventes (1234) has one.
CONFERENCE_IDS = {"Support": "5555", "Ventes": "1234"}

Answer = Literal["admitted", "room full", "PIN asked", "no such room", "call over"]


@dataclass(frozen=True)
class Case:
    """The room a call tries, what is expected, and the situation (by default: a call
    new to the bridge, typing the room's ID, into a room with nobody in it)."""

    room: str  # the room the call tries: Support, Ventes, or "nowhere" (no such room)
    answer: Answer  # what the call gets
    seat: str | None  # the room the call holds a seat in afterwards
    outcome: str | None  # the call's history afterwards (None: no row)
    pin_checked: bool = False  # by seats.reserve_seat (PIN checked), not walk_in
    company: bool = False  # another caller is in the room already
    full: bool = False  # another caller is in the room, and that is its cap
    holds: str | None = None  # the room the call holds a seat in already
    ended: bool = False  # the carrier already reported the call's end
    wrong_pin_before: bool = False  # the call got its PIN wrong once already


# Each: room tried, answer, seat afterwards, outcome afterwards, then the situation.
CASES = {
    "no PIN, room with space": Case("Support", "admitted", "Support", "joined"),
    "no PIN, someone in already": Case("Support", "admitted", "Support", "joined", company=True),
    "no PIN, room full": Case("Support", "room full", None, "room_full", full=True),
    "no PIN, by id": Case("Support", "admitted", "Support", "joined", pin_checked=True),
    "PIN not checked yet": Case("Ventes", "PIN asked", None, None),
    "PIN not checked yet, room full": Case("Ventes", "PIN asked", None, None, full=True),
    "PIN checked": Case("Ventes", "admitted", "Ventes", "joined", pin_checked=True),
    "PIN checked, room full": Case(
        "Ventes", "room full", None, "room_full", pin_checked=True, full=True
    ),
    "PIN right after a wrong one": Case(
        "Ventes", "admitted", "Ventes", "joined", pin_checked=True, wrong_pin_before=True
    ),
    "retried webhook": Case("Support", "admitted", "Support", "joined", holds="Support"),
    "retried webhook, room full since": Case(
        "Support", "admitted", "Support", "joined", holds="Support", full=True
    ),
    "retried webhook, PIN checked": Case(
        "Ventes", "admitted", "Ventes", "joined", pin_checked=True, holds="Ventes"
    ),
    "seat in another room: moves": Case("Support", "admitted", "Support", "joined", holds="Ventes"),
    "seat in another room, this one full": Case(
        "Support", "room full", None, "room_full", holds="Ventes", full=True
    ),
    "seat in another room, PIN not checked yet": Case(
        "Ventes", "PIN asked", "Support", "joined", holds="Support"
    ),
    "call already ended": Case("Support", "call over", None, "abandoned", ended=True),
    "call already ended, room full": Case(
        "Support", "call over", None, "abandoned", ended=True, full=True
    ),
    "call already ended, PIN checked": Case(
        "Ventes", "call over", None, "abandoned", pin_checked=True, ended=True
    ),
    "call already ended, PIN not checked yet": Case(
        "Ventes", "PIN asked", None, "abandoned", ended=True
    ),
    "unknown conference ID": Case("nowhere", "no such room", None, None),
    # reserve_seat's room was deleted while its PIN was typed: a full one.
    "room deleted after its PIN was checked": Case(
        "nowhere", "room full", None, None, pin_checked=True
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_the_seat_rule(conference: Carrier, case: Case) -> None:
    room = await arrange(case)
    result = await attempt(case, room)
    await check(case, room, result)


async def arrange(case: Case) -> Room:
    """The situation; returns the room the call will try."""
    if case.holds is not None:
        held = await Room.get(conference_id=CONFERENCE_IDS[case.holds])
        assert (await seats.reserve_seat(held, CALL, OVERDUE)).admitted
    if case.wrong_pin_before:
        ventes = await Room.get(conference_id=CONFERENCE_IDS["Ventes"])
        await CallRecord.create(
            call_sid=CALL.call_sid,
            caller=CALL.number,
            called=CALL.called,
            extension_number="800",
            started_at=seats.now(),
            outcome=Outcome.WRONG_PIN.value,
            room=ventes,
            room_name=ventes.name,
        )
    if case.ended:
        await call_records.end_call(CALL, 5)
    if case.room == "nowhere":
        # A room that was there (its PIN typed, say) and is not any more.
        room = await Room.get(conference_id=CONFERENCE_IDS["Ventes"])
        await Room.filter(pk=room.pk).delete()
        return room
    room = await Room.get(conference_id=CONFERENCE_IDS[case.room])
    if case.company or case.full:
        assert (await seats.reserve_seat(room, OTHER, OVERDUE)).admitted
    if case.full:
        room.capacity = (await Room.get(pk=room.pk)).seats_taken
        await room.save(update_fields=["capacity"])
    return room


async def attempt(case: Case, room: Room) -> WalkIn | Reservation:
    if case.pin_checked:
        return await seats.reserve_seat(room, CALL, OVERDUE)
    conference_id = "9999" if case.room == "nowhere" else room.conference_id
    return await seats.walk_in(conference_id, CALL, OVERDUE)


async def check(case: Case, room: Room, result: WalkIn | Reservation) -> None:
    # What the call got.
    if isinstance(result, WalkIn):
        assert (result.room.name if result.room else "nowhere") == case.room
    assert answer(result) == case.answer
    after = await Room.get_or_none(pk=room.pk)
    if isinstance(result, WalkIn):
        result = result.reservation or Reservation(admitted=False, others=0)
    if case.answer == "admitted":
        assert after is not None
        assert result.others == after.seats_taken - 1  # everyone in but this call
    elif case.answer == "room full":
        assert result.others == room.capacity

    # Where the call sits: one seat at most, and each room's count is its seats.
    held = await Seat.filter(call_sid=CALL.call_sid).values_list("room__name", flat=True)
    assert held == ([case.seat] if case.seat else [])
    for each in await Room.all():
        assert each.seats_taken == await Seat.filter(room_id=each.pk).count(), each.name

    # What the call's history says.
    record = await CallRecord.get_or_none(call_sid=CALL.call_sid)
    assert (record.outcome if record else None) == case.outcome
    if record is not None:
        assert record.extension_number == "800"  # the dialled number's
        assert (record.joined_at is not None) == (record.outcome == "joined")
        assert (record.ended_at is not None) == case.ended
        if record.outcome in ("joined", "room_full"):
            assert record.room_name == (case.seat or case.room)


def answer(result: WalkIn | Reservation) -> Answer:
    if isinstance(result, WalkIn):
        if result.room is None:
            return "no such room"
        if result.reservation is None:
            return "PIN asked"
        result = result.reservation
    if result.call_over:
        return "call over"
    return "admitted" if result.admitted else "room full"
