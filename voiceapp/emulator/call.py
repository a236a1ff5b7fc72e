"""One call, as the carrier runs it: fetch the webhook, follow its TwiML (Say, Play, Pause,
Gather, Redirect, Dial, Record, Hangup, Reject), keep what the caller hears and does as
`Event`s, and hang up with the status callback. The network it belongs to (signing,
conferences, recordings) is the Carrier's (carrier.py).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from defusedxml import ElementTree as SafeET

from voiceapp.emulator import far_end, in_conference
from voiceapp.emulator.conferences import Conference, Participant
from voiceapp.emulator.events import Event, EventListener
from voiceapp.emulator.far_end import MESSAGE_SECONDS, DialOutcome
from voiceapp.emulator.gather import gather
from voiceapp.emulator.in_conference import Dialled
from voiceapp.emulator.keypad import Keypad, TypedAhead

if TYPE_CHECKING:
    from voiceapp.emulator.carrier import Carrier

# The longest a caller's webhook sequence may run before the emulator calls it a loop.
MAX_DOCUMENTS = 60
# What an emulated call returns from a document once the caller is in a conference.
IN_CONFERENCE = "in conference"


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
        # While in a conference: which, as whom, and through which <Dial>.
        self.conference: Conference | None = None
        self.participant: Participant | None = None
        self.dialled: Dialled | None = None
        self.played: list[str] = []  # every <Play> URL fetched, hold music included
        self.status = "ringing"
        self.seconds = 0
        self.answer = answer
        self.message_seconds = message_seconds
        # Documents fetched since the caller was last in a conference: a loop guard that
        # a long call going in and out of its room (the keypad menu) never trips.
        self._fetched = 0

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

    def note(self, kind: str, text: str, language: str = "", media: str = "") -> None:
        event = Event(kind, text, language, media)
        self.events.append(event)
        if self.carrier.echo is not None:
            self.carrier.echo(event)
        if self.on_event is not None:
            self.on_event(event)

    def params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = {
            "AccountSid": self.carrier.account_sid,
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

    async def fetch(self, url: str, extra: dict[str, str] | None = None) -> ET.Element | None:
        self._fetched += 1
        response = await self.carrier.post(url, self.params(extra))
        if response.status_code != 200:
            self.note(
                "error",
                f"HTTP {response.status_code} from {url}: the carrier plays its "
                "'application error' message and hangs up",
            )
            return None
        try:
            root = SafeET.fromstring(response.content)
        except SafeET.ParseError as error:
            self.note("error", f"invalid TwiML from {url}: {error}")
            return None
        if root.tag != "Response":
            self.note("error", f"TwiML root is <{root.tag}>, not <Response>")
            return None
        self.documents.append((url, root))
        return root

    async def run(self, *, stay: bool = False) -> None:
        self.status = "ringing"
        self.carrier.calls[self.call_sid] = self
        try:
            document = await self.fetch(self.carrier.base_url + "/voice/incoming")
            self.status = "in-progress"
            in_room = await self._follow(document)
            # Not staying, the caller only does what was typed ahead: * leaves the room.
            while in_room and not stay:
                left = await in_conference.inside(self, wait=False)
                if left is None:
                    break
                in_room = await self._follow(await in_conference.go_on(self))
        except asyncio.CancelledError:
            # The person hung up (Ctrl-C) on the way in, a join perhaps half told: the
            # carrier ends the call all the same and tells the app, or a seat stays taken.
            await self.hangup()
            raise
        if in_room and stay:
            return
        await self.hangup()

    async def _follow(self, document: ET.Element | None) -> bool:
        """Carry out TwiML from `document` on, fetching what it leads to. True once the
        caller is in a conference; False when the call is to end."""
        while document is not None:
            if self._fetched > MAX_DOCUMENTS:
                self.note("error", f"more than {MAX_DOCUMENTS} webhooks: the call loops")
                return False
            next_url, extra = await self._play(document)
            # A person who hung up meanwhile is gone, whatever the TwiML says next.
            if next_url is None or self.keypad.hung_up:
                return False
            if next_url == IN_CONFERENCE:
                self._fetched = 0
                return True
            document = await self.fetch(next_url, extra)
        return False

    async def stay(self, seconds: float | None = None) -> None:
        """Stay in the conference for `seconds` (None: until the keypad hangs up, which
        TypedAhead never does), then hang up. Out of the room with the call on (* pressed,
        removed, the conference ended) the call goes on as the TwiML says, within the same
        time. Cancelled (Ctrl-C), it hangs up all the same."""
        if self.status == "completed":
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(seconds):
                while self.conference is not None:
                    if await in_conference.inside(self, wait=True) is None:
                        break
                    if not await self._follow(await in_conference.go_on(self)):
                        break
        except TimeoutError:
            pass
        finally:
            self.seconds += round(loop.time() - started)
            await self.hangup()

    async def _play(self, document: ET.Element) -> tuple[str | None, dict[str, str] | None]:
        """Carry out one TwiML document. Returns the next URL to fetch (None: hang up,
        IN_CONFERENCE: the caller is in a conference) and the extra parameters to send."""
        verbs = list(document)
        for index, verb in enumerate(verbs):
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                await self.speak(verb)
            elif tag == "Gather":
                outcome = await gather(self, verb)
                if outcome is not None:
                    return outcome
            elif tag == "Redirect":
                self.note("redirect", (verb.text or "").strip())
                return self.absolute(verb.text or ""), None
            elif tag == "Dial":
                dialled = await self._dial(verb, verbs[index + 1 :])
                if dialled is not None:
                    return dialled
            elif tag == "Record":
                recorded = await far_end.record(self, verb)
                if recorded is not None:
                    return recorded
            elif tag in ("Hangup", "Reject"):
                return None, None
            else:
                self.note("error", f"the emulator does not know <{tag}>")
                return None, None
        return None, None  # the carrier hangs up at the end of a document

    def absolute(self, url: str) -> str:
        return urljoin(self.carrier.base_url + "/", url.strip())

    async def speak(self, verb: ET.Element) -> None:
        if verb.tag == "Say":
            self.note("say", (verb.text or "").strip(), verb.get("language", ""))
        elif verb.tag == "Play":
            url = (verb.text or "").strip()
            self.note("play", url, media=url)
            await self.fetch_audio(url)
        else:
            self.note("pause", f"{verb.get('length', '1')} s")
        self.seconds += 1

    async def fetch_audio(self, url: str) -> None:
        """GET a <Play> URL as the carrier does before playing it: a URL that does not
        answer 200 with audio is an error, as the caller would hear the carrier's message."""
        absolute = self.absolute(url)
        self.played.append(absolute)
        response = await self.carrier.client.get(absolute)
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith("audio/"):
            self.note("error", f"cannot play {url}: HTTP {response.status_code} {kind}")

    async def _dial(
        self, verb: ET.Element, after: list[ET.Element]
    ) -> tuple[str | None, dict[str, str] | None] | None:
        if verb.find("Conference") is None:
            return far_end.dial_out(self, verb)
        if not await in_conference.join(self, verb, after):
            return None  # the carrier goes on with the verbs after <Dial>
        return IN_CONFERENCE, None

    async def hangup(self) -> None:
        """The caller hangs up: leave any conference, then the call status callback."""
        if self.status == "completed":
            return
        await in_conference.hang_up(self)
        self.status = "completed"
        self.carrier.call_ended(self)
        self.note("hangup", "call ended")
        if "call-status" in self.carrier.lost_callbacks:
            self.note("lost", "the call status callback is lost on the way")
            return
        response = await self.carrier.post(
            self.carrier.base_url + "/voice/status",
            self.params({"CallDuration": str(self.seconds)}),
        )
        if response.status_code != 200:
            self.note("error", f"HTTP {response.status_code} from the call status callback")
