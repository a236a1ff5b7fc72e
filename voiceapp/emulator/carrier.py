"""The carrier side of a call: sign each webhook, follow the TwiML, keep conferences.

It follows Say, Play, Pause, Gather (finishOnKey, numDigits, timeout with no entry),
Redirect, Dial/Conference (with maxParticipants enforced as the carrier does, error 16020,
and the conference status callbacks), Dial/Number and Dial/Sip (the outcome of the ringing
is chosen per call, then the Dial action gets DialCallStatus), Record (the caller speaks
for a chosen number of seconds, taking that time when a person is at a live keypad; none:
nothing recorded, as a silent caller), Hangup and Reject. The caller's keypad (keypad.py)
types at each <Gather>: entries given up front, one per <Gather> (silence once they run
out), or keys a person presses as the call goes, with the <Gather>'s timeout, finishOnKey
and numDigits, as the admin's Test call page does.
Everything the caller hears and does is kept as `Event`s (events.py), printed as a
transcript and passed to `on_event` as it happens; conferences.py is the carrier's side of
a conference.

Webhooks are signed here with twilio's own RequestValidator, not voiceapp's signature
module: the emulator sits below the HTTP layer it calls (the admin pages run it inside
the server), and a signer of its own also checks voiceapp's check independently.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from urllib.parse import urljoin

import httpx
from defusedxml import ElementTree as SafeET
from twilio.request_validator import RequestValidator

from voiceapp.emulator import far_end, recordings
from voiceapp.emulator.conferences import ACCOUNT_SID, DEFAULT_MAX_PARTICIPANTS, Conference
from voiceapp.emulator.events import Event
from voiceapp.emulator.far_end import MESSAGE_SECONDS, DialOutcome
from voiceapp.emulator.keypad import Gathering, Keypad, TypedAhead

# The longest a caller's webhook sequence may run before the emulator calls it a loop.
MAX_DOCUMENTS = 60
SIGNATURE_HEADER = "X-Twilio-Signature"
# How a hold event's text ends when the carrier plays it over and over (<Play loop="0">).
LOOPED = " (looped)"
EventListener = Callable[[Event], None]


class Carrier:
    """One carrier account: an HTTP client to the app, the auth token, live conferences."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        auth_token: str,
        *,
        echo: EventListener | None = None,
        media_dir: Path | None = None,
        conferences: dict[str, Conference] | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self._signer = RequestValidator(auth_token)
        self.echo = echo
        # The server's media directory: each message left at a <Record> is written there
        # as a real WAV (recordings.py), which voiceapp plays. None: no audio, as before.
        self.media_dir = media_dir
        # Shared by carriers that stand for one network (the test calls of a server).
        self.conferences: dict[str, Conference] = {} if conferences is None else conferences
        # Callbacks this carrier never delivers ("participant-join", "call-status"...): a
        # network that loses them, for tests of what voiceapp does without them.
        self.lost_callbacks: set[str] = set()
        self._sids = itertools.count(1)

    def new_sid(self, prefix: str) -> str:
        return f"{prefix}{secrets.token_hex(12)}{next(self._sids):08x}"

    async def post(self, url: str, params: dict[str, str]) -> httpx.Response:
        """POST a signed webhook, as the carrier does."""
        headers = {SIGNATURE_HEADER: str(self._signer.compute_signature(url, params))}
        return await self.client.post(url, data=params, headers=headers)

    def dial(
        self,
        to: str,
        *,
        caller: str = "+33612345678",
        keypad: Keypad | None = None,
        on_event: EventListener | None = None,
        answer: DialOutcome = "answered",
        message_seconds: int = MESSAGE_SECONDS,
    ) -> EmulatedCall:
        """A call to `to`, not started yet: `await call.run(...)` places it. `on_event`
        hears each event as it happens; without a keypad the caller never types."""
        return EmulatedCall(
            self,
            self.new_sid("CA"),
            caller,
            to,
            [],
            keypad=keypad,
            on_event=on_event,
            answer=answer,
            message_seconds=message_seconds,
        )

    async def call(
        self,
        to: str,
        *,
        caller: str = "+33612345678",
        digits: list[str] | None = None,
        stay: bool = False,
        answer: DialOutcome = "answered",
        message_seconds: int = MESSAGE_SECONDS,
    ) -> EmulatedCall:
        """Place a call to `to` and run it until it hangs up or is inside a conference.

        With stay=False the caller hangs up as soon as they are in a conference; with
        stay=True they remain until `await call.hangup()` (or `call.stay(seconds)`). `answer`
        is how any <Dial> to numbers or SIP URIs ends; `message_seconds` how long the caller
        speaks at a <Record>.
        """
        emulated = EmulatedCall(
            self,
            self.new_sid("CA"),
            caller,
            to,
            list(digits or []),
            answer=answer,
            message_seconds=message_seconds,
        )
        await emulated.run(stay=stay)
        return emulated


class EmulatedCall:
    def __init__(
        self,
        carrier: Carrier,
        call_sid: str,
        caller: str,
        to: str,
        entries: list[str],
        *,
        keypad: Keypad | None = None,
        on_event: EventListener | None = None,
        answer: DialOutcome = "answered",
        message_seconds: int = MESSAGE_SECONDS,
    ):
        self.carrier = carrier
        self.call_sid = call_sid
        self.caller = caller
        self.to = to
        self.entries = entries
        # Typed ahead: the entries list itself, so that what is left of it stays visible.
        self.keypad: Keypad = keypad if keypad is not None else TypedAhead(entries)
        self.on_event = on_event
        self.events: list[Event] = []
        self.documents: list[tuple[str, ET.Element]] = []
        self.conference: Conference | None = None
        self.played: list[str] = []  # every <Play> URL fetched, hold music included
        self.status = "ringing"
        self.seconds = 0
        self.answer = answer
        self.message_seconds = message_seconds

    # ---- what tests read ---------------------------------------------------------------

    @property
    def said(self) -> list[str]:
        return [event.text for event in self.events if event.kind == "say"]

    @property
    def transcript(self) -> str:
        return "\n".join(str(event) for event in self.events)

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]

    # ---- the call ----------------------------------------------------------------------

    def _note(self, kind: str, text: str, language: str = "", media: str = "") -> None:
        event = Event(kind, text, language, media)
        self.events.append(event)
        if self.carrier.echo is not None:
            self.carrier.echo(event)
        if self.on_event is not None:
            self.on_event(event)

    def _params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": self.status,
            "Direction": "inbound",
            "From": self.caller,
            "Caller": self.caller,
            "To": self.to,
            "Called": self.to,
        }
        params.update(extra or {})
        return params

    async def _fetch(self, url: str, extra: dict[str, str] | None = None) -> ET.Element | None:
        response = await self.carrier.post(url, self._params(extra))
        if response.status_code != 200:
            self._note(
                "error",
                f"HTTP {response.status_code} from {url}: the carrier plays its "
                "'application error' message and hangs up",
            )
            return None
        try:
            root = SafeET.fromstring(response.content)
        except SafeET.ParseError as error:
            self._note("error", f"invalid TwiML from {url}: {error}")
            return None
        if root.tag != "Response":
            self._note("error", f"TwiML root is <{root.tag}>, not <Response>")
            return None
        self.documents.append((url, root))
        return root

    async def run(self, *, stay: bool = False) -> None:
        self.status = "ringing"
        document = await self._fetch(self.carrier.base_url + "/voice/incoming")
        self.status = "in-progress"
        while document is not None and len(self.documents) <= MAX_DOCUMENTS:
            next_url, extra = await self._play(document)
            # A person who hung up meanwhile is gone, whatever the TwiML says next.
            if next_url is None or self.keypad.hung_up:
                break
            if next_url == "stay":
                if stay:
                    return
                break
            document = await self._fetch(next_url, extra)
        else:
            if document is not None:
                self._note("error", f"more than {MAX_DOCUMENTS} webhooks: the call loops")
        await self.hangup()

    async def stay(self, seconds: float | None = None) -> None:
        """Stay in the conference for `seconds` (None: until the keypad hangs up, which
        TypedAhead never does), then hang up. Cancelled (Ctrl-C), it hangs up all the same."""
        if self.status == "completed":
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(seconds):
                await self.keypad.wait_hung_up()
        except TimeoutError:
            pass
        finally:
            self.seconds += round(loop.time() - started)
            await self.hangup()

    async def _play(self, document: ET.Element) -> tuple[str | None, dict[str, str] | None]:
        """Carry out one TwiML document. Returns the next URL to fetch (None: hang up,
        "stay": the caller is in a conference) and the extra parameters to send."""
        for verb in document:
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                await self._speak(verb)
            elif tag == "Gather":
                outcome = await self._gather(verb)
                if outcome is not None:
                    return outcome
            elif tag == "Redirect":
                self._note("redirect", (verb.text or "").strip())
                return self._absolute(verb.text or ""), None
            elif tag == "Dial":
                dialled = await self._dial(verb)
                if dialled is not None:
                    return dialled
            elif tag == "Record":
                recorded = await self._record(verb)
                if recorded is not None:
                    return recorded
            elif tag in ("Hangup", "Reject"):
                return None, None
            else:
                self._note("error", f"the emulator does not know <{tag}>")
                return None, None
        return None, None  # the carrier hangs up at the end of a document

    def _absolute(self, url: str) -> str:
        return urljoin(self.carrier.base_url + "/", url.strip())

    async def _speak(self, verb: ET.Element) -> None:
        if verb.tag == "Say":
            self._note("say", (verb.text or "").strip(), verb.get("language", ""))
        elif verb.tag == "Play":
            url = (verb.text or "").strip()
            self._note("play", url, media=url)
            await self._fetch_audio(url)
        else:
            self._note("pause", f"{verb.get('length', '1')} s")
        self.seconds += 1

    async def _fetch_audio(self, url: str) -> None:
        """GET a <Play> URL as the carrier does before playing it: a URL that does not
        answer 200 with audio is an error, as the caller would hear the carrier's message."""
        absolute = self._absolute(url)
        self.played.append(absolute)
        response = await self.carrier.client.get(absolute)
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith("audio/"):
            self._note("error", f"cannot play {url}: HTTP {response.status_code} {kind}")

    async def _gather(self, verb: ET.Element) -> tuple[str | None, dict[str, str] | None] | None:
        """Returns the action to fetch with the entry, (None, None) when the caller hung
        up meanwhile, or None to go on with the next verb (no key pressed)."""
        for child in verb:
            await self._speak(child)
        action = self._absolute(verb.get("action") or "")
        gathering = Gathering.of(verb)
        if self.keypad.live:
            self._note("gather", str(gathering))
        typed = await self.keypad.entry(gathering)
        if self.keypad.hung_up:
            return None, None
        if typed is None:
            self._note("silence", f"(no key pressed for {verb.get('timeout', '5')} s)")
            if verb.get("actionOnEmptyResult") == "true":
                return action, {"Digits": ""}
            return None
        digits = typed
        finish = verb.get("finishOnKey", "#")
        if finish and finish in digits:
            digits = digits[: digits.index(finish)]
        limit = verb.get("numDigits")
        if limit and limit.isdigit():
            digits = digits[: int(limit)]
        self._note("keypad", typed)
        return action, {"Digits": digits, "FinishedOnKey": finish if finish in typed else ""}

    async def _dial(self, verb: ET.Element) -> tuple[str | None, dict[str, str] | None] | None:
        conference = verb.find("Conference")
        if conference is None:
            return self._ring(verb)
        joined = await self._join(conference)
        if not joined:
            return None  # the carrier goes on with the verbs after <Dial>
        return "stay", None

    def _ring(self, verb: ET.Element) -> tuple[str | None, dict[str, str] | None] | None:
        """Ring every <Number> and <Sip> at once; the call's `answer` says how it ends.
        Returns the Dial action to fetch, or None to go on with the next verb."""
        targets = [(child.text or "").strip() for child in verb if child.tag in ("Number", "Sip")]
        others = sorted({child.tag for child in verb} - {"Number", "Sip"})
        if not targets or others:
            self._note("error", f"the emulator cannot dial <{'>, <'.join(others) or 'nothing'}>")
            return None, None
        rung = far_end.ring(targets, verb.get("timeout", "30"), self.answer)
        for line in rung.transcript:
            self._note("ring", line)
        self.seconds += rung.talked
        action = verb.get("action")
        if not action:
            return None
        params = {"DialCallStatus": rung.status, "DialCallDuration": str(rung.talked)}
        if rung.talked:
            params["DialCallSid"] = self.carrier.new_sid("CA")
        return self._absolute(action), params

    async def _record(self, verb: ET.Element) -> tuple[str | None, dict[str, str] | None] | None:
        """The caller speaks after the beep; silence records nothing, and the carrier then
        skips the action and goes on with the next verb. A person at a live keypad takes
        the message's time to say it; hanging up sooner ends it, and the carrier posts
        what was said all the same (nobody hears the answer)."""
        seconds = far_end.message_length(self.message_seconds, verb.get("maxLength"))
        if seconds == 0:
            self._note("record", "beep; the caller says nothing: no recording")
            return None
        sid = self.carrier.new_sid("RE")
        self._note("record", f"beep; the caller leaves a {seconds} s message ({sid})")
        if self.keypad.live:
            seconds = await self._speaking(seconds)
        self.seconds += seconds
        if self.carrier.media_dir is not None:
            recordings.write_recording(self.carrier.media_dir, sid, seconds)
        # No action: the carrier posts the recording back to the document it came from.
        action = self._absolute(verb.get("action") or self.documents[-1][0])
        params = far_end.recording_params(sid, seconds, verb)
        if self.keypad.hung_up:
            await self._fetch(action, params)
            return None, None
        return action, params

    async def _speaking(self, seconds: int) -> int:
        """Wait while the person speaks their message: `seconds`, or until they hang up.
        How long they spoke (a second at least: the beep was heard)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        with suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.keypad.wait_hung_up()
        return max(1, min(seconds, round(loop.time() - started)))

    async def _join(self, element: ET.Element) -> bool:
        name = (element.text or "").strip()
        carrier = self.carrier
        room = carrier.conferences.get(name)
        if room is None:
            room = Conference.opened_by(element, carrier.new_sid("CF"))
        limit = int(element.get("maxParticipants") or DEFAULT_MAX_PARTICIPANTS)
        if len(room.participants) >= limit:
            self._note("full", f"conference {name} is full ({limit}): carrier error 16020")
            return False
        carrier.conferences[name] = room
        room.participants.append(self.call_sid)
        self.conference = room
        if len(room.participants) == 1:
            await self._conference_event(room, "conference-start", "start")
            wait_url = element.get("waitUrl")
            if wait_url:
                await self._hold(self._absolute(wait_url))
        await self._conference_event(room, "participant-join", "join", call_sid=self.call_sid)
        self._note("conference", f"in conference {name} with {len(room.participants)} caller(s)")
        return True

    async def _hold(self, url: str) -> None:
        """Play the waitUrl's TwiML once (not its loop), as the caller alone would hear it."""
        response = await self.carrier.post(url, self._params())
        try:
            root = SafeET.fromstring(response.content)
        except SafeET.ParseError:
            self._note("error", f"invalid hold TwiML from {url}")
            return
        for verb in root:
            if verb.tag in ("Say", "Play"):
                looped = LOOPED if verb.get("loop") == "0" else ""
                media = (verb.text or "").strip() if verb.tag == "Play" else ""
                text = (verb.text or "").strip() + looped
                self._note("hold", text, verb.get("language", ""), media)
            if verb.tag == "Play":
                await self._fetch_audio(verb.text or "")

    async def _conference_event(
        self, room: Conference, event: str, short: str, *, call_sid: str | None = None
    ) -> None:
        params = room.status_params(event, short, call_sid)
        if params is None or room.status_callback is None:
            return
        if event in self.carrier.lost_callbacks:
            self._note("lost", f"the {event} callback is lost on the way")
            return
        response = await self.carrier.post(self._absolute(room.status_callback), params)
        if response.status_code != 200:
            self._note("error", f"HTTP {response.status_code} from the conference status callback")

    async def hangup(self) -> None:
        """The caller hangs up: leave any conference, then the call status callback."""
        if self.status == "completed":
            return
        room, self.conference = self.conference, None
        if room is not None and self.call_sid in room.participants:
            room.participants.remove(self.call_sid)
            await self._conference_event(room, "participant-leave", "leave", call_sid=self.call_sid)
            if not room.participants:
                await self._conference_event(room, "conference-end", "end")
                self.carrier.conferences.pop(room.name, None)
        self.status = "completed"
        self._note("hangup", "call ended")
        if "call-status" in self.carrier.lost_callbacks:
            self._note("lost", "the call status callback is lost on the way")
            return
        response = await self.carrier.post(
            self.carrier.base_url + "/voice/status",
            self._params({"CallDuration": str(self.seconds)}),
        )
        if response.status_code != 200:
            self._note("error", f"HTTP {response.status_code} from the call status callback")
