"""A room's cap holds whatever an admin does to the room while callers come and go.

An admin saving a room (its Settings form, `voiceapp rooms update`) once wrote the live
seat counter back from a stale read: 120 callers joining and leaving while the room was
saved left ghost seats on SQLite and a negative count on PostgreSQL, and a negative count
let too many newcomers in (the carrier refused them with error 16020).
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.db import database
from voiceapp.core.models import Room, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.inprocess import remote_carrier
from voiceapp.emulator.server import free_port, live_server, serve_command

from .conftest import AUTH_TOKEN, FR_NUMBER, make_settings, provision_conference
from .test_workers import server_env

CAPACITY = 5
CALLERS = 20
ROUNDS = 6
NEWCOMERS = 10


async def add_small_room(settings: Settings) -> None:
    await rooms.add_room(settings, name="Petite", conference_id="7777", capacity=CAPACITY)


async def come_and_go(carrier: Carrier, caller: str) -> None:
    """One caller joining and leaving the room ROUNDS times (or hearing it is full)."""
    for _ in range(ROUNDS):
        call = await carrier.call(FR_NUMBER, caller=caller, digits=["7777#"], stay=True)
        await call.hangup()


async def save_until(done: asyncio.Event, settings: Settings) -> int:
    """The admin's Settings form, submitted again and again: rename the room."""
    saves = 0
    for n in itertools.count():
        if done.is_set() or n >= 2000:
            return saves
        change = rooms.RoomChange(name=f"Petite {n % 7}", capacity=CAPACITY)
        await rooms.update_room(settings, "7777", change)
        saves += 1
        await asyncio.sleep(0)
    return saves


async def churn_while_saving(carrier: Carrier, settings: Settings) -> int:
    done = asyncio.Event()

    async def callers() -> None:
        try:
            await asyncio.gather(*(come_and_go(carrier, f"+336100{i:05d}") for i in range(CALLERS)))
        finally:
            done.set()

    _, saves = await asyncio.gather(callers(), save_until(done, settings))
    return saves


async def newcomers(carrier: Carrier) -> list[EmulatedCall]:
    return await asyncio.gather(
        *(
            carrier.call(FR_NUMBER, caller=f"+336200{i:05d}", digits=["7777#"], stay=True)
            for i in range(NEWCOMERS)
        )
    )


async def assert_counter_matches_rows() -> None:
    room = await Room.get(conference_id="7777")
    assert room.seats_taken == await Seat.filter(room=room).count()


def assert_exactly_the_cap_got_in(calls: list[EmulatedCall]) -> None:
    joined = [call for call in calls if call.conference is not None]
    carrier_refusals = [
        str(event) for call in calls for event in call.events if event.kind in ("full", "error")
    ]
    assert carrier_refusals == []  # every refusal was ours (room_full), none the carrier's
    assert len(joined) == CAPACITY


async def test_saving_a_room_while_callers_come_and_go_keeps_its_cap(
    conference: Carrier, settings: Settings
) -> None:
    await add_small_room(settings)
    saves = await churn_while_saving(conference, settings)
    assert saves > 0
    await assert_counter_matches_rows()
    assert (await Room.get(conference_id="7777")).seats_taken == 0
    calls = await newcomers(conference)
    assert_exactly_the_cap_got_in(calls)
    await assert_counter_matches_rows()
    await asyncio.gather(*(call.hangup() for call in calls))


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.heavy
async def test_saving_a_room_keeps_its_cap_with_four_workers(migrated_postgres_url: str) -> None:
    settings = make_settings(migrated_postgres_url)
    port = free_port()
    async with database(migrated_postgres_url):
        await provision_conference(settings)
        await add_small_room(settings)
        async with (
            live_server(
                serve_command(port, 4), server_env(migrated_postgres_url, port), port
            ) as server,
            remote_carrier(server.base_url, AUTH_TOKEN) as carrier,
        ):
            saves = await churn_while_saving(carrier, settings)
            assert saves > 0
            await assert_counter_matches_rows()
            assert (await Room.get(conference_id="7777")).seats_taken == 0
            calls = await newcomers(carrier)
            assert_exactly_the_cap_got_in(calls)
            await assert_counter_matches_rows()
            await asyncio.gather(*(call.hangup() for call in calls))
        assert "Traceback" not in server.log()


async def test_a_whole_row_save_of_a_room_is_refused(conference: Carrier) -> None:
    """The guard behind the fix: a room can only be saved column by column, never with
    its seat count, which is the seat SQL's alone."""
    room = await Room.get(conference_id="5555")
    room.name = "Renamed"
    with pytest.raises(TypeError, match="seats_taken"):
        await room.save()
    with pytest.raises(TypeError, match="seats_taken"):
        await room.save(update_fields=["name", "seats_taken"])
    await room.save(update_fields=["name"])
    assert (await Room.get(conference_id="5555")).name == "Renamed"
