"""The seat cap and the roster: concurrency, replays, out-of-order events, expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from voiceapp import seats
from voiceapp.emulator import Carrier
from voiceapp.models import Room, Seat, SeatState
from voiceapp.settings import Settings

from .conftest import FR_NUMBER


async def test_25_simultaneous_callers_into_a_room_of_10_admit_exactly_10(
    conference: Carrier,
) -> None:
    calls = await asyncio.gather(
        *(
            conference.call(FR_NUMBER, caller=f"+3361234{n:04d}", digits=["5555#"], stay=True)
            for n in range(25)
        )
    )
    joined = [call for call in calls if "conference" in call.kinds()]
    refused = [call for call in calls if "Cette conférence est complète." in " ".join(call.said)]
    assert len(joined) == 10
    assert len(refused) == 15
    assert not [call for call in calls if "error" in call.kinds() or "full" in call.kinds()]
    room = await Room.get(conference_id="5555")
    assert room.seats_taken == 10
    assert await Seat.filter(room=room, state=SeatState.JOINED).count() == 10
    await asyncio.gather(*(call.hangup() for call in joined))
    room = await Room.get(conference_id="5555")
    assert room.seats_taken == 0
    assert not await Seat.exists(room=room)


async def test_direct_reservations_race_never_exceed_capacity(
    conference: Carrier, settings: Settings
) -> None:
    room = await Room.get(conference_id="5555")
    results = await asyncio.gather(
        *(seats.reserve_seat(room, f"CA{n:032d}", "+33612345678", 60) for n in range(40))
    )
    assert sum(result.admitted for result in results) == room.capacity
    assert (await Room.get(pk=room.pk)).seats_taken == room.capacity


async def test_same_call_reserving_twice_keeps_one_seat(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    first = await seats.reserve_seat(room, "CA-retry", "+33612345678", 60)
    again = await seats.reserve_seat(room, "CA-retry", "+33612345678", 60)
    assert first.admitted and again.admitted
    assert (await Room.get(pk=room.pk)).seats_taken == 1


async def test_replayed_and_out_of_order_callbacks_change_state_once(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    await seats.reserve_seat(room, "CA-a", "+33612345678", 60)
    await seats.reserve_seat(room, "CA-b", "+33612345679", 60)
    assert await seats.confirm_join("CA-a", "CF1") is True
    assert await seats.confirm_join("CA-a", "CF1") is False  # replayed join
    assert await seats.release_seat("CA-a") is True
    assert await seats.release_seat("CA-a") is False  # replayed leave
    # A leave that overtakes its join: the late join must not resurrect the seat.
    assert await seats.release_seat("CA-b") is True
    assert await seats.confirm_join("CA-b", "CF1") is False
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    assert not await Seat.exists(room=room)


async def test_concurrent_replays_of_one_leave_free_one_seat(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    for n in range(3):
        await seats.reserve_seat(room, f"CA-{n}", "+33612345678", 60)
    freed = await asyncio.gather(*(seats.release_seat("CA-0") for _ in range(8)))
    assert sum(freed) == 1
    assert (await Room.get(pk=room.pk)).seats_taken == 2


async def test_caller_hanging_up_before_join_frees_seat_by_status_callback(
    conference: Carrier,
) -> None:
    room = await Room.get(conference_id="5555")
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    # Undo the join: as if the caller hung up before the carrier connected them.
    await Seat.filter(call_sid=call.call_sid).update(state=SeatState.RESERVED)
    call.conference = None
    await call.hangup()  # sends only the call status callback (completed)
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_reservation_that_never_joins_expires(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    await seats.reserve_seat(room, "CA-ghost", "+33612345678", 60)
    await Seat.filter(call_sid="CA-ghost").update(reserved_at=seats.now() - timedelta(seconds=61))
    assert await seats.release_expired(60) == 1
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_expired_reservations_are_swept_when_the_room_is_full(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    room.capacity = 1
    await room.save()
    await seats.reserve_seat(room, "CA-ghost", "+33612345678", 60)
    await Seat.filter(call_sid="CA-ghost").update(reserved_at=seats.now() - timedelta(seconds=120))
    result = await seats.reserve_seat(room, "CA-real", "+33612345679", 60)
    assert result.admitted
    assert result.others == 0


async def test_conference_end_frees_every_seat_in_it(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    for n in range(3):
        await seats.reserve_seat(room, f"CA-{n}", "+33612345678", 60)
        await seats.confirm_join(f"CA-{n}", "CF-end")
    assert await seats.release_conference("CF-end") == 3
    assert (await Room.get(pk=room.pk)).seats_taken == 0
