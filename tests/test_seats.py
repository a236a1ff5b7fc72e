"""The seat cap and the roster: concurrency, replays, out-of-order events, expiry.

Who gets a seat in which situation (PIN, full room, a seat held already, a call already
ended...) is one table of cases in test_seat_rule.py, run on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from voiceapp.conferencing import seats
from voiceapp.core.db import database
from voiceapp.core.models import CallRecord, Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.history.call_records import Caller

from .conftest import FR_NUMBER, make_settings, provision_conference

# A seat is overdue after the default call time limit (4 h) plus the default hold (60 s).
OVERDUE = 14400 + 60


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
        *(
            seats.reserve_seat(room, Caller(f"CA{n:032d}", "+33612345678", FR_NUMBER), OVERDUE)
            for n in range(40)
        )
    )
    assert sum(result.admitted for result in results) == room.capacity
    assert (await Room.get(pk=room.pk)).seats_taken == room.capacity


async def test_replayed_and_out_of_order_callbacks_change_state_once(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    await seats.reserve_seat(room, Caller("CA-a", "+33612345678", FR_NUMBER), OVERDUE)
    await seats.reserve_seat(room, Caller("CA-b", "+33612345679", FR_NUMBER), OVERDUE)
    assert await seats.confirm_join(seats.ParticipantReport("CA-a", "CF1")) is True
    replayed = seats.ParticipantReport("CA-a", "CF1")
    assert await seats.confirm_join(replayed) is False  # replayed join
    assert await seats.release_seat("CA-a") is True
    assert await seats.release_seat("CA-a") is False  # replayed leave
    # A leave that overtakes its join: the late join must not resurrect the seat.
    assert await seats.release_seat("CA-b") is True
    assert await seats.confirm_join(seats.ParticipantReport("CA-b", "CF1")) is False
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    assert not await Seat.exists(room=room)


async def test_concurrent_replays_of_one_leave_free_one_seat(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    for n in range(3):
        await seats.reserve_seat(room, Caller(f"CA-{n}", "+33612345678", FR_NUMBER), OVERDUE)
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


async def test_a_seat_is_freed_once_overdue_and_not_before(conference: Carrier) -> None:
    """A seat nobody freed (every hang-up callback lost) goes once the call cannot still
    be on (its time limit); not after the hold, when its join may just have been lost."""
    room = await Room.get(conference_id="5555")
    await seats.reserve_seat(room, Caller("CA-ghost", "+33612345678", FR_NUMBER), OVERDUE)
    await Seat.filter(call_sid="CA-ghost").update(reserved_at=seats.now() - timedelta(seconds=61))
    assert await seats.release_overdue(OVERDUE) == 0
    overdue = seats.now() - timedelta(seconds=OVERDUE + 1)
    await Seat.filter(call_sid="CA-ghost").update(reserved_at=overdue)
    assert await seats.release_overdue(OVERDUE) == 1
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_overdue_seats_are_swept_when_the_room_is_full(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    room.capacity = 1
    await room.save(update_fields=["capacity"])
    await seats.reserve_seat(room, Caller("CA-ghost", "+33612345678", FR_NUMBER), OVERDUE)
    overdue = seats.now() - timedelta(seconds=OVERDUE + 1)
    await Seat.filter(call_sid="CA-ghost").update(reserved_at=overdue)
    result = await seats.reserve_seat(room, Caller("CA-real", "+33612345679", FR_NUMBER), OVERDUE)
    assert result.admitted
    assert result.others == 0


async def test_conference_end_frees_every_seat_in_it(conference: Carrier) -> None:
    room = await Room.get(conference_id="5555")
    for n in range(3):
        await seats.reserve_seat(room, Caller(f"CA-{n}", "+33612345678", FR_NUMBER), OVERDUE)
        await seats.confirm_join(seats.ParticipantReport(f"CA-{n}", "CF-end"))
    assert await seats.release_conference("CF-end") == 3
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_walking_into_an_unknown_id_finds_nothing(conference: Carrier) -> None:
    for typed in ("9999", "12", "5555' OR 1=1 --", ""):
        walk_in = await seats.walk_in(typed, Caller("CA-lost", "+33612345678", FR_NUMBER), OVERDUE)
        assert walk_in == seats.WalkIn(room=None, reservation=None)
    assert not await Seat.exists(call_sid="CA-lost")


async def test_one_call_walking_in_many_times_at_once_holds_one_seat(
    conference: Carrier,
) -> None:
    """Carrier retries of one webhook, all at once: one seat, every answer admits."""
    caller = Caller("CA-retried", "+33612345678", FR_NUMBER)
    results = await asyncio.gather(*(seats.walk_in("5555", caller, 60) for _ in range(20)))
    assert all(result.reservation and result.reservation.admitted for result in results)
    assert await Seat.filter(call_sid="CA-retried").count() == 1
    assert (await Room.get(conference_id="5555")).seats_taken == 1


async def test_a_retry_racing_its_own_first_webhook_finds_the_seat_it_took(
    migrated_postgres_url: str,
) -> None:
    """PostgreSQL only (SQLite runs one write transaction at a time, so it has no such
    race): the first webhook's seat commits while the retry waits on the room's row; the
    retry's insert then collides and the retry looks again."""
    async with database(migrated_postgres_url):
        await provision_conference(make_settings(migrated_postgres_url))
        await race_a_retry(migrated_postgres_url)


async def race_a_retry(postgres_url: str) -> None:
    room = await Room.get(conference_id="5555")
    first = await asyncpg.connect(postgres_url.replace("postgres://", "postgresql://"))
    try:
        async with first.transaction():
            await first.execute(
                "UPDATE room SET seats_taken = seats_taken + 1 WHERE id = $1", room.pk
            )
            await first.execute(
                "INSERT INTO seat (room_id, call_sid, caller, state, reserved_at, is_host, "
                "muted, on_hold, sequence) "
                "VALUES ($1, 'CA-race', '+33612345678', 'reserved', now(), false, false, "
                "false, 0)",
                room.pk,
            )
            retry = asyncio.create_task(
                seats.walk_in("5555", Caller("CA-race", "+33612345678", FR_NUMBER), OVERDUE)
            )
            await asyncio.sleep(0.2)  # the retry is now waiting for the room's row
            assert not retry.done()
        result = await retry
    finally:
        await first.close()
    assert result.reservation == seats.Reservation(admitted=True, others=0)
    assert await Seat.filter(call_sid="CA-race").count() == 1
    assert (await Room.get(pk=room.pk)).seats_taken == 1


async def test_an_end_committed_during_the_seat_statement_keeps_its_outcome(
    migrated_postgres_url: str,
) -> None:
    """PostgreSQL only: the status callback's end commits while the seat statement waits
    to write the same call's record. The statement's snapshot missed the end, so the seat
    is taken (expiry frees it), but the record keeps "abandoned", not "joined"."""
    async with database(migrated_postgres_url):
        await provision_conference(make_settings(migrated_postgres_url))
        ending = await asyncpg.connect(
            migrated_postgres_url.replace("postgres://", "postgresql://")
        )
        try:
            async with ending.transaction():
                await ending.execute(
                    "INSERT INTO call_record (call_sid, caller, called, started_at, ended_at, "
                    "outcome) VALUES ('CA-late', '+33612345678', $1, now(), now(), 'abandoned')",
                    FR_NUMBER,
                )
                walk_in = asyncio.create_task(
                    seats.walk_in("5555", Caller("CA-late", "+33612345678", FR_NUMBER), OVERDUE)
                )
                await asyncio.sleep(0.2)  # waiting on the record's uncommitted key
                assert not walk_in.done()
            await walk_in
        finally:
            await ending.close()
        record = await CallRecord.get(call_sid="CA-late")
        assert (record.outcome, record.joined_at) == ("abandoned", None)
