"""Real servers in child processes: the seat cap across 4 workers on PostgreSQL, and restarts."""

from __future__ import annotations

import asyncio

import pytest

from voiceapp import ivr_prompts
from voiceapp.core.db import database
from voiceapp.core.models import Language, PhoneNumber, Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.inprocess import remote_carrier
from voiceapp.emulator.server import free_port, live_server, serve_command

from .conftest import AUTH_TOKEN, ES_NUMBER, FR_NUMBER, make_settings, provision_conference

WORKERS = 4
CALLERS = 200


def server_env(database_url: str, port: int) -> dict[str, str]:
    return {
        "VOICEAPP_DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        # The carrier signs the URL it calls; here that is the server itself.
        "VOICEAPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "VOICEAPP_MEDIA_MODE": "say",
        "VOICEAPP_LOG_LEVEL": "WARNING",
    }


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.heavy
async def test_four_workers_admit_exactly_the_room_capacity(migrated_postgres_url: str) -> None:
    settings = make_settings(migrated_postgres_url)
    async with database(migrated_postgres_url):
        await provision_conference(settings)
    port = free_port()
    async with (
        live_server(
            serve_command(port, WORKERS), server_env(migrated_postgres_url, port), port
        ) as server,
        remote_carrier(server.base_url, AUTH_TOKEN) as carrier,
    ):
        assert len(server.child_pids()) >= WORKERS, server.log()
        calls: list[EmulatedCall] = await asyncio.gather(
            *(
                carrier.call(FR_NUMBER, caller=f"+3361000{i:04d}", digits=["5555#"], stay=True)
                for i in range(CALLERS)
            )
        )
        joined = [call for call in calls if call.conference is not None]
        refused = [call for call in calls if call.conference is None]
        errors = [str(event) for call in calls for event in call.events if event.kind == "error"]
        assert errors == []  # no 5xx, no broken TwiML, no carrier-side 16020
        assert len(joined) == 10
        room_full = ivr_prompts.text("room_full", Language.FR)
        assert all(room_full in call.said for call in refused)
        assert len(refused) == CALLERS - 10
        async with database(migrated_postgres_url):
            room = await Room.get(conference_id="5555")
            assert room.seats_taken == 10
            roster = await Seat.filter(room=room).values_list("call_sid", flat=True)
            assert sorted(roster) == sorted(call.call_sid for call in joined)
        await asyncio.gather(*(call.hangup() for call in joined))
        async with database(migrated_postgres_url):
            assert (await Room.get(conference_id="5555")).seats_taken == 0
            assert await Seat.all().count() == 0
    assert "Traceback" not in server.log()


@pytest.mark.slow
async def test_restart_keeps_rooms_numbers_and_roster(
    database_url: str, settings: Settings
) -> None:
    async with database(database_url):
        await provision_conference(settings)
    port = free_port()
    command, env = serve_command(port), server_env(database_url, port)
    async with remote_carrier(f"http://127.0.0.1:{port}", AUTH_TOKEN) as carrier:
        async with live_server(command, env, port):
            staying = await carrier.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
            assert staying.conference is not None
        async with live_server(command, env, port):
            async with database(database_url):
                rooms = (
                    await Room.all()
                    .order_by("conference_id")
                    .values_list("conference_id", "pin", "seats_taken")
                )
                assert rooms == [("1234", "4321", 1), ("5555", None, 0)]
                numbers = await PhoneNumber.all().order_by("e164").values_list("e164", flat=True)
                assert numbers == sorted([FR_NUMBER, ES_NUMBER])
                seat = await Seat.get(call_sid=staying.call_sid)
                assert seat.state == SeatState.JOINED
            # The caller still in the room hangs up through the new process: seat freed.
            await staying.hangup()
            assert not [event for event in staying.events if event.kind == "error"]
            late = await carrier.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
            assert late.conference is not None
            async with database(database_url):
                assert await Seat.all().values_list("call_sid", flat=True) == [late.call_sid]
            await late.hangup()
