"""Inside the conference, call by call through the built-in emulator and voiceapp's own
webhooks: participants waiting for their host, the call ending when the host leaves, the
keypad menu's round trip keeping exactly one seat in a full room (also over 4 worker
processes on PostgreSQL), and a locked room refusing newcomers but not hosts.

Webhook by webhook (the callbacks' orders the emulator does not produce) is in
test_conference_menu.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from voiceapp import ivr_prompts
from voiceapp.carrier import accounts
from voiceapp.conferencing import controls, rooms
from voiceapp.core.db import database
from voiceapp.core.models import Language, Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier, EmulatedCall, Event
from voiceapp.emulator.conferences import Conference
from voiceapp.emulator.inprocess import in_process_carrier, remote_carrier
from voiceapp.emulator.keypad import Handset
from voiceapp.emulator.rest_api import serving_rest_api
from voiceapp.emulator.server import free_port, live_server, serve_command
from voiceapp.emulator.sids import random_account_sid

from .conftest import AUTH_TOKEN, FR_NUMBER, make_settings, provision_conference
from .test_limits_across_workers import server_env

WAIT = 15.0


def heard(key: str, **params: str | int) -> str:
    return (
        ivr_prompts.text(key, Language.FR, params) if params else ivr_prompts.text(key, Language.FR)
    )


def conference_of(carrier: Carrier, room: Room) -> Conference:
    return carrier.conferences[rooms.conference_name(room)]


class LiveCaller:
    """A caller pressing keys as the call goes (the Test call page's keypad)."""

    def __init__(self, carrier: Carrier, caller: str) -> None:
        self.handset = Handset()
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.call = carrier.dial(
            FR_NUMBER, caller=caller, keypad=self.handset, on_event=self.events.put_nowait
        )
        self.running: asyncio.Task[None] | None = None

    async def until(self, kind: str) -> Event:
        async with asyncio.timeout(WAIT):
            while True:
                event = await self.events.get()
                if event.kind == kind:
                    return event

    async def press(self, keys: str) -> None:
        """At the next <Gather>: its prompts heard, then the keys."""
        await self.until("gather")
        self.handset.heard()
        for key in keys:
            assert self.handset.press(key), f"key {key} lost"
            await asyncio.sleep(0.01)

    async def star(self) -> None:
        async with asyncio.timeout(WAIT):
            while not self.handset.in_conference:  # noqa: ASYNC110 (the emulator's own state)
                await asyncio.sleep(0.01)
        assert self.handset.press("*")

    def start(self) -> None:
        async def run_and_stay() -> None:
            await self.call.run(stay=True)
            await self.call.stay()

        self.running = asyncio.create_task(run_and_stay())

    async def hang_up(self) -> None:
        self.handset.hang_up()
        assert self.running is not None
        await asyncio.wait_for(self.running, WAIT)


@pytest.fixture
async def hosted_room(conference: Carrier, settings: Settings) -> Room:
    """1234 (PIN 4321) with host PIN 9999, waiting for its host and ending with them."""
    room = await rooms.get_room("1234")
    await rooms.update_room(
        settings,
        "1234",
        rooms.RoomChange(host_pin="9999", wait_for_host=True, end_with_host=True),
    )
    return await Room.get(id=room.pk)


async def test_participants_wait_for_the_host_then_the_call_ends_when_the_host_leaves(
    conference: Carrier, hosted_room: Room
) -> None:
    guest = await conference.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
    waiting = conference_of(conference, hosted_room)
    assert not waiting.started
    assert heard("host_not_here") in [e.text for e in guest.events if e.kind == "hold"]

    host = await conference.call(
        FR_NUMBER, caller="+33699999999", digits=["1234#", "9999#"], stay=True
    )
    await waiting.settled()
    assert waiting.started
    assert {s.call_sid: s.is_host for s in await Seat.all()} == {
        guest.call_sid: False,
        host.call_sid: True,
    }

    staying = asyncio.create_task(guest.stay())
    await host.hangup()
    await asyncio.wait_for(staying, WAIT)
    assert guest.said[-2:] == [heard("conference_ended"), heard("goodbye")]
    assert guest.status == "completed"
    assert await Seat.all().count() == 0
    assert (await Room.get(id=hosted_room.pk)).seats_taken == 0


@pytest.fixture
async def controlled(settings: Settings) -> AsyncIterator[Carrier]:
    """An emulator whose REST API voiceapp reaches, as the Test call page's and
    `voiceapp call --stay`'s are: registered under its own AccountSid."""
    async with (
        in_process_carrier(settings, account_sid=random_account_sid()) as carrier,
        serving_rest_api(carrier) as api_url,
    ):
        await accounts.register_emulator(carrier.account_sid, api_url)
        await provision_conference(settings)
        yield carrier


async def test_with_a_rest_api_a_hosts_star_keeps_the_call_and_hanging_up_ends_it(
    controlled: Carrier, settings: Settings
) -> None:
    """On the carrier, a host joined with endConferenceOnExit who presses * for the menu
    ends the conference for everyone. Where voiceapp can end it through the REST API, the
    host joins without it, and voiceapp ends the conference when the host's call ends."""
    room = await rooms.get_room("1234")
    await rooms.update_room(settings, "1234", rooms.RoomChange(host_pin="9999", end_with_host=True))
    host = LiveCaller(controlled, "+33699999999")
    host.start()
    await host.press("1234#")
    await host.press("9999#")
    await host.until("conference")
    _, joined = host.call.documents[-1]
    assert joined.find("Dial/Conference").get("endConferenceOnExit") == "false"  # type: ignore[union-attr]
    guest = await controlled.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)

    await host.star()
    await host.press("#")
    await host.until("conference")
    conference = conference_of(controlled, room)
    await conference.settled()
    assert sorted(conference.participants) == sorted([host.call.call_sid, guest.call_sid])

    staying = asyncio.create_task(guest.stay())
    await host.hang_up()
    await asyncio.wait_for(staying, WAIT)
    assert guest.said[-2:] == [heard("conference_ended"), heard("goodbye")]
    assert await Seat.all().count() == 0


async def test_a_host_leaving_an_empty_room_asks_the_carrier_nothing(
    controlled: Carrier, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The host was the last one in: the carrier ends an empty conference itself, so the
    call's end frees the seat and sends no REST request to end it again."""
    ended: list[str] = []
    real_end = controls.end_conference

    async def end_conference(settings: Settings, conference_id: str) -> int:
        ended.append(conference_id)
        return await real_end(settings, conference_id)

    monkeypatch.setattr(controls, "end_conference", end_conference)
    await rooms.update_room(settings, "1234", rooms.RoomChange(host_pin="9999", end_with_host=True))
    host = await controlled.call(
        FR_NUMBER, caller="+33699999999", digits=["1234#", "9999#"], stay=True
    )
    assert (await Seat.get(call_sid=host.call_sid)).is_host
    await host.hangup()
    assert ended == []
    assert await Seat.all().count() == 0
    assert (await rooms.get_room("1234")).seats_taken == 0


async def test_a_caller_removed_alone_in_the_room_hears_why(
    controlled: Carrier, settings: Settings
) -> None:
    """Removing the last caller ends the conference at the carrier (last-participant-
    kicked) before their call reaches the Dial's action: their seat must still say why."""
    caller = await controlled.call(FR_NUMBER, digits=["5555#"], stay=True)
    staying = asyncio.create_task(caller.stay())
    await controls.remove_caller(settings, "5555", caller.caller)
    await asyncio.wait_for(staying, WAIT)
    assert caller.said[-2:] == [heard("removed"), heard("goodbye")]
    assert await Seat.all().count() == 0


async def test_the_menu_round_trip_keeps_exactly_one_seat_in_a_full_room(
    conference: Carrier, settings: Settings
) -> None:
    room = await rooms.add_room(settings, name="Duo", conference_id="7777", capacity=2)
    alice = LiveCaller(conference, "+33611111111")
    alice.start()
    await alice.press("7777#")
    await alice.until("conference")
    bob = await conference.call(FR_NUMBER, caller="+33622222222", digits=["7777#"], stay=True)

    await alice.star()
    await alice.until("menu")
    # While Alice is in the menu, her seat is hers: the room is still full.
    late = await conference.call(FR_NUMBER, caller="+33633333333", digits=["7777#"])
    assert heard("room_full") in late.said and late.conference is None
    seat = await Seat.get(call_sid=alice.call.call_sid)
    assert seat.state is SeatState.IN_MENU

    await alice.press("2")
    said = await alice.until("say")
    while said.text == heard("menu_intro") or said.text.startswith("Pour"):
        said = await alice.until("say")
    assert said.text == heard("in_conference", count=2)
    await alice.press("#")
    await alice.until("conference")
    await conference_of(conference, room).settled()

    assert (await Room.get(id=room.pk)).seats_taken == 2
    assert await Seat.filter(room_id=room.pk).count() == 2
    assert (await Seat.get(call_sid=alice.call.call_sid)).state is SeatState.JOINED
    assert sorted(conference_of(conference, room).participants) == sorted(
        [alice.call.call_sid, bob.call_sid]
    )
    # Back with no tone: Bob, who came in after her, heard her * exit and nothing more.
    assert [e.text.split(":")[0] for e in bob.events if e.kind == "tone"] == ["exit tone"]
    await alice.hang_up()
    await bob.hangup()
    assert (await Room.get(id=room.pk)).seats_taken == 0


async def test_a_host_locks_the_room_from_the_menu_and_newcomers_are_refused(
    conference: Carrier, settings: Settings
) -> None:
    room = await rooms.get_room("1234")
    await rooms.update_room(settings, "1234", rooms.RoomChange(host_pin="9999"))
    host = LiveCaller(conference, "+33699999999")
    host.start()
    await host.press("1234#")
    await host.press("9999#")
    await host.until("conference")
    await host.star()
    await host.press("3")  # at the menu: lock
    await host.press("#")  # at the next question: back
    await host.until("conference")
    assert heard("room_now_locked") in host.call.said
    assert (await Room.get(id=room.pk)).locked is True

    refused = await conference.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
    assert refused.conference is None
    assert heard("room_locked") in refused.said and refused.status == "completed"
    cohost = await conference.call(
        FR_NUMBER, caller="+33688888888", digits=["1234#", "9999#"], stay=True
    )
    assert cohost.conference is not None

    # The conference's end unlocks the room.
    await cohost.hangup()
    await host.hang_up()
    assert (await Room.get(id=room.pk)).locked is False
    again = await conference.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
    assert again.conference is not None
    await again.hangup()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.heavy
async def test_menu_round_trips_over_4_workers_keep_one_seat_each_in_a_full_room(
    migrated_postgres_url: str,
) -> None:
    """Three callers fill a room of three, then each goes to the menu and back three
    times while twelve newcomers try to get in, over 4 worker processes: no newcomer
    gets a seat, and the room ends with its three callers on three seats."""
    settings = make_settings(migrated_postgres_url)
    async with database(migrated_postgres_url):
        await provision_conference(settings)
        room = await rooms.add_room(settings, name="Trio", conference_id="7777", capacity=3)
    port = free_port()
    async with (
        live_server(
            serve_command(port, 4), server_env(migrated_postgres_url, port), port
        ) as server,
        remote_carrier(server.base_url, AUTH_TOKEN) as carrier,
    ):
        assert len(server.child_pids()) >= 4, server.log()
        members = [LiveCaller(carrier, f"+3361111111{n}") for n in range(3)]
        for member in members:
            member.start()
            await member.press("7777#")
            await member.until("conference")

        async def round_trips(member: LiveCaller) -> None:
            for _ in range(3):
                await member.star()
                await member.press("#")  # at the menu's <Gather>
                await member.until("conference")

        newcomers = [
            carrier.call(FR_NUMBER, caller=f"+336222222{n:02d}", digits=["7777#"], stay=True)
            for n in range(12)
        ]
        results = await asyncio.gather(*(round_trips(member) for member in members), *newcomers)
        late = [call for call in results if isinstance(call, EmulatedCall)]
        assert all(call.conference is None for call in late)
        assert all(heard("room_full") in call.said for call in late)
        async with database(migrated_postgres_url):
            assert (await Room.get(id=room.pk)).seats_taken == 3
            states = await Seat.filter(room_id=room.pk).values_list("state", flat=True)
            assert sorted(states) == [SeatState.JOINED] * 3
        for member in members:
            await member.hang_up()
        assert "Traceback" not in server.log()
