"""The emulator's conferences do what a Twilio conference does that voiceapp uses.

Driven against a small app of the test's own that answers fixed TwiML (the shape voiceapp
sends: <Dial hangupOnStar="true" action=...><Conference ...>) and keeps every callback it
is sent: waiting for a starter, ending with the endConferenceOnExit participant, the *
round trip to the Dial action and back, maxParticipants, tones, muted on entry, only the
first participant's callback settings, and a recording from start to end.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.emulator import Carrier, EmulatedCall, Event
from voiceapp.emulator.conferences import Conference
from voiceapp.emulator.hold_twiml import sounds_at
from voiceapp.emulator.keypad import Handset
from voiceapp.emulator.recordings import SAMPLE_RATE

BASE = "https://app.example.test"
TOKEN = "conference-test-token"
ROOM = "room-1"
EVENTS = "start end join leave mute hold modify"
WAIT = 10.0
# A WAV the test app serves as its hold music: a second of silence.
HOLD_WAV = (
    b"RIFF" + (36 + 16000).to_bytes(4, "little") + b"WAVEfmt "
    + (16).to_bytes(4, "little") + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
    + (8000).to_bytes(4, "little") + (16000).to_bytes(4, "little")
    + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    + b"data" + (16000).to_bytes(4, "little") + bytes(16000)
)  # fmt: skip


@dataclass
class TwimlApp:
    """Fixed TwiML per caller, and every request the carrier sent, in order."""

    # Caller number -> the <Conference> attributes their call joins with.
    callers: dict[str, dict[str, str]] = field(default_factory=dict)
    # Whether the <Dial> has an action (else the verb after </Dial> plays).
    action: bool = True
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def conference(self, caller: str, **overrides: str) -> str:
        attributes = {
            "maxParticipants": "10",
            "startConferenceOnEnter": "true",
            "endConferenceOnExit": "false",
            "muted": "false",
            "beep": "true",
            "waitUrl": "/voice/hold",
            "waitMethod": "POST",
            "statusCallback": "/voice/conference-status",
            "statusCallbackMethod": "POST",
            "statusCallbackEvent": EVENTS,
            **self.callers.get(caller, {}),
            **overrides,
        }
        written = " ".join(f'{name}="{value}"' for name, value in attributes.items())
        action = ' action="/voice/menu?room=1" method="POST"' if self.action else ""
        return (
            f'<Dial timeLimit="14400" hangupOnStar="true"{action}>'
            f"<Conference {written}>{ROOM}</Conference></Dial>"
        )

    async def endpoint(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        path = request.url.path
        self.received.append((path, form))
        caller = form.get("From", "")
        if path == "/voice/incoming":
            return twiml(f"<Say>welcome</Say>{self.conference(caller)}<Say>after dial</Say>")
        if path == "/voice/menu":
            return twiml(
                '<Gather numDigits="1" action="/voice/back" timeout="1">'
                "<Say>the menu</Say></Gather><Say>goodbye</Say>"
            )
        if path == "/voice/back":
            if form.get("Digits") == "" and form.get("FinishedOnKey") == "#":
                # Back to the room without a tone, as voiceapp's menu does.
                return twiml(self.conference(caller, beep="false"))
            return twiml("<Say>goodbye</Say>")
        if path == "/voice/hold":
            return twiml('<Say>please wait</Say><Play loop="0">/media/hold.wav</Play>')
        if path == "/announce":
            return twiml('<Say language="fr-FR">la salle ferme</Say>')
        return Response("", media_type="text/plain")  # the callbacks

    async def media(self, request: Request) -> Response:
        return Response(HOLD_WAV, media_type="audio/wav")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/media/hold.wav", self.media, methods=["GET"]),
                Route("/{path:path}", self.endpoint, methods=["POST"]),
            ]
        )

    # ---- what the test reads ---------------------------------------------------------

    def callbacks(self, path: str = "/voice/conference-status") -> list[dict[str, str]]:
        return [form for sent, form in self.received if sent == path]

    def status_events(self) -> list[str]:
        return [form["StatusCallbackEvent"] for form in self.callbacks()]

    def event(self, name: str, call: EmulatedCall | None = None) -> dict[str, str]:
        found = [
            form
            for form in self.callbacks()
            if form["StatusCallbackEvent"] == name
            and (call is None or form.get("CallSid") == call.call_sid)
        ]
        assert found, f"no {name} callback in {self.status_events()}"
        return found[-1]


def twiml(body: str) -> Response:
    return Response(f"<Response>{body}</Response>", media_type="text/xml")


@pytest.fixture
def app() -> TwimlApp:
    return TwimlApp()


@pytest.fixture
async def carrier(app: TwimlApp, tmp_path: Path) -> AsyncIterator[Carrier]:
    transport = httpx.ASGITransport(app=app.app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield Carrier(client, BASE, TOKEN, media_dir=tmp_path)


async def joined(carrier: Carrier, caller: str, digits: list[str] | None = None) -> EmulatedCall:
    call = await carrier.call("+33100000000", caller=caller, digits=digits, stay=True)
    assert call.conference is not None, call.transcript
    return call


def room(carrier: Carrier) -> Conference:
    return carrier.conferences[ROOM]


# ---- waiting for a starter, ending with the host -------------------------------------------


async def test_callers_wait_hearing_the_wait_music_until_a_starter_joins(
    app: TwimlApp, carrier: Carrier
) -> None:
    app.callers["+331"] = {"startConferenceOnEnter": "false"}
    guest = await joined(carrier, "+331")
    assert not room(carrier).started
    assert "wait" in guest.kinds()
    assert [e.text for e in guest.events if e.kind == "hold"] == [
        "please wait",
        "/media/hold.wav (looped)",
    ]
    assert guest.played == [f"{BASE}/media/hold.wav"]
    assert app.status_events() == ["participant-join"]

    host = await joined(carrier, "+332")
    conference = room(carrier)
    await conference.settled()
    assert conference.started
    assert app.status_events() == ["participant-join", "conference-start", "participant-join"]
    assert any(e.kind == "conference" and "starts" in e.text for e in guest.events)
    assert "wait" not in host.kinds() and "hold" not in host.kinds()  # not alone, not waiting
    # One statusCallback: each callback numbered in turn, the same conference throughout.
    sequence = [int(form["SequenceNumber"]) for form in app.callbacks()]
    assert sequence == [1, 2, 3]
    assert {form["ConferenceSid"] for form in app.callbacks()} == {conference.sid}
    guest_join = app.event("participant-join", guest)
    assert (guest_join["StartConferenceOnEnter"], guest_join["Muted"]) == ("false", "false")
    await guest.hangup()
    await host.hangup()


async def test_the_conference_ends_for_everyone_when_the_end_on_exit_caller_leaves(
    app: TwimlApp, carrier: Carrier
) -> None:
    app.callers["+332"] = {"endConferenceOnExit": "true"}
    guest = await joined(carrier, "+331")
    host = await joined(carrier, "+332")
    conference = room(carrier)
    staying = asyncio.create_task(guest.stay())
    await host.hangup()
    await asyncio.wait_for(staying, WAIT)

    assert app.status_events()[-3:] == ["participant-leave", "participant-leave", "conference-end"]
    assert app.event("participant-leave", host)["ParticipantCallStatus"] == "completed"
    assert app.event("participant-leave", guest)["ParticipantCallStatus"] == "in-progress"
    end = app.event("conference-end")
    assert end["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert end["CallSidEndingConference"] == host.call_sid
    assert conference.ended and ROOM not in carrier.conferences
    # The guest's call went on to the Dial action, never to the verb after </Dial>.
    menu = [form for path, form in app.received if path == "/voice/menu"]
    assert [form["CallSid"] for form in menu] == [guest.call_sid]
    assert menu[0]["DialCallStatus"] == "completed" and "DialCallDuration" in menu[0]
    assert "ended" in guest.kinds()
    assert "after dial" not in guest.said
    assert guest.said[-2:] == ["the menu", "goodbye"]


async def test_without_an_action_the_call_goes_on_after_the_dial(
    app: TwimlApp, carrier: Carrier
) -> None:
    app.action = False
    app.callers["+332"] = {"endConferenceOnExit": "true"}
    guest = await joined(carrier, "+331")
    host = await joined(carrier, "+332")
    staying = asyncio.create_task(guest.stay())
    await host.hangup()
    await asyncio.wait_for(staying, WAIT)
    assert guest.said[-1] == "after dial"
    assert "/voice/menu" not in [path for path, _ in app.received]


async def test_the_last_caller_leaving_ends_the_conference(app: TwimlApp, carrier: Carrier) -> None:
    call = await joined(carrier, "+331")
    await call.hangup()
    assert app.status_events() == [
        "conference-start",
        "participant-join",
        "participant-leave",
        "conference-end",
    ]
    assert app.event("conference-end")["ReasonConferenceEnded"] == "last-participant-left"


# ---- the star key ------------------------------------------------------------------------


async def test_star_typed_ahead_leaves_for_the_menu_and_hash_comes_back(
    app: TwimlApp, carrier: Carrier
) -> None:
    other = await joined(carrier, "+332")
    # Not staying: the caller does what was typed, then hangs up in the room.
    call = await carrier.call("+33100000000", caller="+331", digits=["*9", "#"])
    assert [path for path, form in app.received if form.get("CallSid") == call.call_sid] == [
        "/voice/incoming",
        "/voice/conference-status",  # join
        "/voice/conference-status",  # leave on *
        "/voice/menu",
        "/voice/back",
        "/voice/conference-status",  # join again
        "/voice/conference-status",  # leave: hung up
        "/voice/status",
    ]
    leaves = [f for f in app.callbacks() if f["StatusCallbackEvent"] == "participant-leave"]
    assert [f["ParticipantCallStatus"] for f in leaves] == ["in-progress", "completed"]
    menu = app.callbacks("/voice/menu")[0]
    assert (menu["DialCallStatus"], menu["CallSid"]) == ("completed", call.call_sid)
    assert call.entries == []  # "*9": a star press; the 9 is not typed anywhere
    assert "menu" in call.kinds() and "after dial" not in call.said
    # The other caller heard the tones of the first entry and of the exit on *; back
    # in (and out) with beep="false", no tone.
    assert [e.text.split(":")[0] for e in other.events if e.kind == "tone"] == [
        "entry tone",
        "exit tone",
    ]
    assert room(carrier).participants == [other.call_sid]
    await other.hangup()


async def test_star_on_a_live_keypad_takes_the_caller_to_the_menu(
    app: TwimlApp, carrier: Carrier
) -> None:
    other = await joined(carrier, "+332")
    handset = Handset()
    heard: asyncio.Queue[Event] = asyncio.Queue()
    call = carrier.dial("+33100000000", caller="+331", keypad=handset, on_event=heard.put_nowait)

    async def until(kind: str) -> None:
        while (await asyncio.wait_for(heard.get(), WAIT)).kind != kind:
            pass

    await asyncio.wait_for(call.run(stay=True), WAIT)
    staying = asyncio.create_task(call.stay())
    for _ in range(100):  # a few turns of the event loop: in the room, listening for *
        if handset.in_conference:
            break
        await asyncio.sleep(0)
    assert handset.press("5") is False  # the room ignores other keys
    assert handset.press("*") is True
    await until("gather")  # the menu's <Gather>
    handset.heard()
    handset.press("#")
    await until("conference")  # back in the room
    handset.hang_up()
    await asyncio.wait_for(staying, WAIT)
    joins = [f for f in app.callbacks() if f["StatusCallbackEvent"] == "participant-join"]
    assert [f["CallSid"] for f in joins] == [other.call_sid, call.call_sid, call.call_sid]
    assert call.kinds().count("menu") == 1 and call.status == "completed"
    await other.hangup()


# ---- the conference's other settings ---------------------------------------------------------


async def test_max_participants_turns_the_next_caller_away(app: TwimlApp, carrier: Carrier) -> None:
    for caller in ("+331", "+332", "+333"):
        app.callers[caller] = {"maxParticipants": "2"}
    first, second = await joined(carrier, "+331"), await joined(carrier, "+332")
    third = await carrier.call("+33100000000", caller="+333")
    assert "full" in third.kinds() and "16020" in third.transcript
    assert room(carrier).participants == [first.call_sid, second.call_sid]
    await first.hangup()
    await second.hangup()


async def test_muted_on_entry_and_no_tones(app: TwimlApp, carrier: Carrier) -> None:
    app.callers["+332"] = {"muted": "true", "beep": "false"}
    first = await joined(carrier, "+331")
    second = await joined(carrier, "+332")
    assert "muted" in second.kinds()
    assert app.event("participant-join", second)["Muted"] == "true"
    assert room(carrier).find(second.call_sid).muted  # type: ignore[union-attr]
    await second.hangup()
    await first.hangup()
    assert "tone" not in first.kinds()


async def test_only_the_first_participants_callback_settings_count(
    app: TwimlApp, carrier: Carrier
) -> None:
    app.callers["+331"] = {"statusCallbackEvent": "join"}
    app.callers["+332"] = {"statusCallbackEvent": EVENTS, "statusCallback": "/elsewhere"}
    first, second = await joined(carrier, "+331"), await joined(carrier, "+332")
    await second.hangup()
    await first.hangup()
    assert app.status_events() == ["participant-join", "participant-join"]
    assert "/elsewhere" not in [path for path, _ in app.received]


async def test_a_recorded_conference_leaves_a_playable_wav_and_its_callback(
    app: TwimlApp, carrier: Carrier, tmp_path: Path
) -> None:
    app.callers["+331"] = {
        "record": "record-from-start",
        "recordingStatusCallback": "/voice/recording-status?room=1",
        "recordingStatusCallbackMethod": "POST",
        "recordingStatusCallbackEvent": "completed",
    }
    first, second = await joined(carrier, "+331"), await joined(carrier, "+332")
    conference = room(carrier)
    await asyncio.sleep(1.2)
    await first.hangup()
    await second.hangup()
    [posted] = app.callbacks("/voice/recording-status")
    sid = posted["RecordingSid"]
    assert posted["ConferenceSid"] == conference.sid
    assert posted["RecordingStatus"] == "completed"
    assert posted["RecordingSource"] == "StartConferenceVerb"
    assert posted["RecordingUrl"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{carrier.account_sid}/Recordings/{sid}"
    )
    with wave.open(str(tmp_path / "recordings" / f"{sid}.wav"), "rb") as sound:
        assert (sound.getnchannels(), sound.getframerate()) == (1, SAMPLE_RATE)
        assert sound.getnframes() == int(posted["RecordingDuration"]) * SAMPLE_RATE
    assert int(posted["RecordingDuration"]) >= 1
    # The callback came after the conference ended.
    assert [path for path, _ in app.received][-3:] == [
        "/voice/conference-status",  # conference-end
        "/voice/recording-status",
        "/voice/status",  # the last caller's call ends once all that is done
    ]


async def test_hold_twiml_that_redirects_to_itself_is_heard_once() -> None:
    """voiceapp's hold document before the music is rendered: a sentence, a pause, then
    itself again. The carrier loops it; the transcript says it once, not once a turn."""
    hold = (
        '<Response><Say language="fr-FR">Veuillez patienter</Say><Pause length="20"/>'
        f"<Redirect>{BASE}/voice/hold?lang=fr</Redirect></Response>"
    )

    async def post(url: str, params: dict[str, str]) -> httpx.Response:
        return httpx.Response(200, text=hold)

    heard = await sounds_at(post, f"{BASE}/voice/hold?lang=fr", {})
    assert [sound.text for sound in heard.sounds] == ["Veuillez patienter", "20 s"]
    assert heard.problem is None
