"""The emulator's live keypad (a person typing as the call goes) and `voiceapp call --stay`.

A <Gather> on a Handset behaves as on a carrier: keys one at a time, finishOnKey and
numDigits end the entry, `timeout` seconds of silence end it once the prompts are heard,
a key during the prompts counts, keys with no <Gather> listening are lost; hanging up at
any point leaves the room with the carrier's callbacks.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from voiceapp.carrier.recordings import local_file
from voiceapp.conferencing import seats
from voiceapp.core.models import CallRecord, Room, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier, EmulatedCall, Event
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.emulator.keypad import Gathering, Handset
from voiceapp.emulator.recordings import SAMPLE_RATE
from voiceapp.switchboard import voicemail

from .conftest import AUTH_TOKEN, FR_NUMBER, PUBLIC_URL, make_settings, provision_conference
from .test_routing import ALICE_NUMBER, GOODBYE, MESSAGE_SAVED, add_office

ROOT = Path(__file__).resolve().parent.parent
# Generous for a busy CI machine; every wait below ends as soon as its event comes.
EVENT_WAIT = 10.0


# ---- the handset alone: what one <Gather> takes ------------------------------------------


def gathering(timeout: float = 0.3, finish: str = "#", digits: int | None = None) -> Gathering:
    return Gathering(timeout=timeout, finish_on_key=finish, num_digits=digits)


async def typed(handset: Handset, entry: Gathering, keys: str, *, heard: bool = True) -> str | None:
    """What the <Gather> takes when `keys` are pressed one by one once it listens."""
    task = asyncio.create_task(handset.entry(entry))
    await asyncio.sleep(0)  # it is listening now
    if heard:
        handset.heard()
    for key in keys:
        handset.press(key)
        await asyncio.sleep(0.01)
    return await asyncio.wait_for(task, EVENT_WAIT)


async def test_finish_key_ends_the_entry_and_is_kept() -> None:
    assert await typed(Handset(), gathering(), "1234#") == "1234#"


async def test_num_digits_ends_the_entry_and_later_keys_are_lost() -> None:
    handset = Handset()
    assert await typed(handset, gathering(digits=3), "12345") == "123"
    # "4" and "5" came after the entry ended: not typed at the next one.
    assert await typed(handset, gathering(), "") is None


async def test_silence_after_some_keys_sends_what_was_typed() -> None:
    started = time.monotonic()
    assert await typed(Handset(), gathering(timeout=0.3), "12") == "12"
    assert time.monotonic() - started >= 0.3


async def test_no_key_at_all_is_silence_after_the_timeout() -> None:
    started = time.monotonic()
    assert await typed(Handset(), gathering(timeout=0.3), "") is None
    assert 0.3 <= time.monotonic() - started < 2


async def test_timeout_waits_for_the_prompts_to_be_heard() -> None:
    handset = Handset()
    task = asyncio.create_task(handset.entry(gathering(timeout=0.2)))
    await asyncio.sleep(0.5)  # the prompts are still playing: no timeout yet
    assert not task.done()
    handset.heard()
    started = time.monotonic()
    assert await asyncio.wait_for(task, EVENT_WAIT) is None
    assert time.monotonic() - started >= 0.2


async def test_a_key_during_the_prompts_counts_and_starts_the_timeout() -> None:
    assert await typed(Handset(), gathering(timeout=0.2), "7", heard=False) == "7"


async def test_prompts_never_heard_still_time_out() -> None:
    handset = Handset(prompt_limit=0.2)
    assert await typed(handset, gathering(timeout=0.2), "", heard=False) is None


async def test_keys_with_no_gather_listening_are_lost() -> None:
    handset = Handset()
    assert handset.press("1") is False
    assert handset.press("x") is False
    task = asyncio.create_task(handset.entry(gathering()))
    await asyncio.sleep(0)
    assert handset.press("x") is False  # not a keypad key
    assert handset.press("5") is True
    handset.press("#")
    assert await asyncio.wait_for(task, EVENT_WAIT) == "5#"


async def test_hanging_up_ends_the_entry() -> None:
    handset = Handset()
    task = asyncio.create_task(handset.entry(gathering(timeout=30)))
    await asyncio.sleep(0)
    handset.press("1")
    handset.hang_up()
    assert await asyncio.wait_for(task, EVENT_WAIT) is None
    assert handset.hung_up
    assert handset.press("2") is False


# ---- a live call through the webhooks ------------------------------------------------


class Listener:
    """The events of a live call, as they happen."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.seen: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.put_nowait(event)

    async def until(self, kind: str) -> Event:
        async with asyncio.timeout(EVENT_WAIT):
            while True:
                event = await self.events.get()
                self.seen.append(event)
                if event.kind == kind:
                    return event


def live_call(carrier: Carrier) -> tuple[EmulatedCall, Handset, Listener]:
    handset, listener = Handset(), Listener()
    call = carrier.dial(FR_NUMBER, caller="client:alice", keypad=handset, on_event=listener)
    return call, handset, listener


async def press(handset: Handset, keys: str) -> None:
    for key in keys:
        assert handset.press(key), f"key {key} was lost"
        await asyncio.sleep(0.01)


async def test_live_call_joins_reports_as_it_goes_and_frees_the_seat(conference: Carrier) -> None:
    call, handset, listener = live_call(conference)
    running = asyncio.create_task(call.run(stay=True))
    await listener.until("gather")
    # The call waits for keys: it has said its prompts and fetched nothing more.
    assert [event.kind for event in listener.seen][-2:] == ["say", "gather"]
    assert len(call.documents) == 1
    handset.heard()
    await press(handset, "1234#")
    assert (await listener.until("keypad")).text == "1234#"
    await listener.until("gather")  # the PIN
    await press(handset, "4321#")
    joined = await listener.until("conference")
    assert "with 1 caller" in joined.text
    await asyncio.wait_for(running, EVENT_WAIT)  # run() returns: the caller stays
    room = await Room.get(conference_id="1234")
    assert [seat.caller for seat in await seats.roster(room)] == ["client:alice"]

    staying = asyncio.create_task(call.stay())
    await asyncio.sleep(0.2)
    assert not staying.done()  # stays until the handset hangs up
    handset.hang_up()
    await asyncio.wait_for(staying, EVENT_WAIT)
    assert call.kinds()[-1] == "hangup"
    assert await seats.roster(room) == []
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.outcome == "joined" and record.ended_at is not None


async def test_hanging_up_at_a_prompt_ends_the_call_with_its_callbacks(
    conference: Carrier,
) -> None:
    call, handset, listener = live_call(conference)
    running = asyncio.create_task(call.run(stay=True))
    await listener.until("gather")
    handset.hang_up()
    await asyncio.wait_for(running, EVENT_WAIT)
    assert call.kinds()[-2:] == ["gather", "hangup"]  # no silence, no second prompt
    assert call.status == "completed"
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.ended_at is not None


async def test_a_call_cancelled_as_it_joins_still_hangs_up_and_frees_the_seat(
    conference: Carrier,
) -> None:
    """Ctrl-C while the caller is entering the room (the wait music playing, the join not
    yet told): the person has hung up, so the carrier ends the call and tells the app."""
    handset, listener = Handset(), Listener()

    def hears(event: Event) -> None:
        listener(event)
        if event.kind == "hold":  # the music of a caller alone: the join is under way
            running.cancel()

    call = conference.dial(FR_NUMBER, caller="client:alice", keypad=handset, on_event=hears)
    running = asyncio.create_task(call.run(stay=True))
    await listener.until("gather")
    handset.heard()
    await press(handset, "1234#")
    await listener.until("gather")  # the PIN
    await press(handset, "4321#")
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, EVENT_WAIT)
    assert call.status == "completed"
    assert call.kinds()[-1] == "hangup"
    room = await Room.get(conference_id="1234")
    assert await seats.roster(room) == []
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.ended_at is not None


@pytest.fixture
async def quick_gathers(migrated_database_url: str) -> AsyncIterator[Carrier]:
    """A carrier on an app whose <Gather>s time out after 1 s."""
    settings = make_settings(migrated_database_url, VOICEAPP_GATHER_TIMEOUT="1")
    async with in_process_carrier(settings) as carrier:
        await provision_conference(settings)
        yield carrier


async def test_silence_at_a_live_gather_reprompts_after_its_timeout(
    quick_gathers: Carrier,
) -> None:
    call, handset, listener = live_call(quick_gathers)
    running = asyncio.create_task(call.run(stay=True))
    await listener.until("gather")
    await asyncio.sleep(1.5)
    assert call.kinds().count("silence") == 0  # the prompts have not been heard yet
    handset.heard()
    started = time.monotonic()
    await listener.until("silence")
    assert time.monotonic() - started >= 1
    await listener.until("gather")  # asked again
    handset.hang_up()
    await asyncio.wait_for(running, EVENT_WAIT)


async def test_the_typed_ahead_api_is_unchanged(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
    assert "gather" not in call.kinds()  # only a live keypad reports its waits
    assert call.conference is not None and call.entries == []
    await call.stay(0)
    assert call.status == "completed"
    assert not await Seat.exists(call_sid=call.call_sid)


# ---- voiceapp call --stay -------------------------------------------------------------


def cli_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOICEAPP_", "TWILIO_"))}
    env.update(
        VOICEAPP_DATABASE_URL=settings.database_url,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        VOICEAPP_PUBLIC_URL=PUBLIC_URL,
        VOICEAPP_MEDIA_MODE="say",
        VOICEAPP_MEDIA_DIR=str(settings.media_dir),
        PYTHONPATH=str(ROOT),
    )
    return env


async def start_call(settings: Settings, stay: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "voiceapp",
        "call",
        "--to",
        FR_NUMBER,
        "--digits",
        "1234#",
        "--digits",
        "4321#",
        "--stay",
        str(stay),
        cwd=ROOT,
        env=cli_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def callers_in(conference_id: str) -> list[str]:
    room = await Room.get(conference_id=conference_id)
    return [seat.caller for seat in await seats.roster(room)]


async def wait_for_caller(conference_id: str) -> None:
    """Until someone is in the room (the Live page's roster), polled as Live does."""
    for _ in range(300):
        if await callers_in(conference_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"nobody joined room {conference_id} in 30 s")


@pytest.mark.slow
async def test_call_stay_keeps_the_caller_in_the_room_then_hangs_up(
    conference: Carrier, settings: Settings
) -> None:
    process = await start_call(settings, stay=2)
    await wait_for_caller("1234")
    joined = time.monotonic()
    assert await callers_in("1234") == ["+33612345678"]
    await asyncio.sleep(1)
    assert await callers_in("1234") == ["+33612345678"]  # still there
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert time.monotonic() - joined >= 1.5
    lines = out.decode().splitlines()
    assert "☰ staying 2 s in the room (Ctrl-C hangs up)" in lines
    assert lines[-1] == "✆ call ended"
    assert await callers_in("1234") == []
    record = await CallRecord.filter(caller="+33612345678").first()
    assert record is not None and (record.duration_seconds or 0) >= 2


@pytest.mark.slow
async def test_ctrl_c_during_stay_hangs_up_cleanly(conference: Carrier, settings: Settings) -> None:
    process = await start_call(settings, stay=600)
    assert process.stdout is not None
    async with asyncio.timeout(30):  # until the call stays (the join fully told)
        while not (line := (await process.stdout.readline()).decode()).startswith("☰ staying"):
            assert line, "the call ended before it stayed"
    await wait_for_caller("1234")
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 130
    assert err.decode() == ""  # no traceback
    assert out.decode().splitlines()[-1] == "✆ call ended"
    assert await callers_in("1234") == []


# ---- a voicemail left by a person at a live keypad ------------------------------------


async def test_a_live_caller_takes_the_messages_time_to_say_it(conference: Carrier) -> None:
    await add_office()
    handset, listener = Handset(), Listener()
    call = conference.dial(
        ALICE_NUMBER, keypad=handset, on_event=listener, answer="no-answer", message_seconds=1
    )
    started = time.monotonic()
    await asyncio.wait_for(call.run(stay=True), EVENT_WAIT)
    assert time.monotonic() - started >= 1  # they spoke after the beep
    assert call.said[-2:] == [MESSAGE_SAVED, GOODBYE]
    [message] = await voicemail.list_messages()
    assert message.duration_seconds == 1


async def test_hanging_up_during_the_message_keeps_what_was_said(
    conference: Carrier, settings: Settings
) -> None:
    await add_office()
    handset, listener = Handset(), Listener()
    call = conference.dial(
        ALICE_NUMBER, keypad=handset, on_event=listener, answer="no-answer", message_seconds=30
    )
    running = asyncio.create_task(call.run(stay=True))
    await listener.until("record")
    await asyncio.sleep(1.2)
    assert not running.done()  # still speaking
    handset.hang_up()
    await asyncio.wait_for(running, EVENT_WAIT)
    # The carrier posts the recording all the same; nobody hears the answer.
    assert call.kinds()[-2:] == ["record", "hangup"]
    [message] = await voicemail.list_messages()
    assert message.duration_seconds == 1
    assert message.recording_sid is not None
    with wave.open(str(local_file(settings.media_dir, message.recording_sid)), "rb") as sound:
        assert sound.getnframes() == SAMPLE_RATE
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.ended_at is not None
