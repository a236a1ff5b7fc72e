"""The carrier's side of a conference: who is in it and how, and what it tells the app
(status callbacks) and the callers (tones, muting, the end) as that changes.

A conference is set up by the first <Conference> naming it, whose settings (statusCallback,
statusCallbackEvent, record) count for the whole conference; each participant brings its
own (muted, beep, startConferenceOnEnter, endConferenceOnExit). It starts when a
participant with startConferenceOnEnter="true" is in it (the others wait, hearing the
waitUrl), and ends when a participant with endConferenceOnExit="true" leaves, when the
last one leaves, or through the REST API (Status=completed).

Every change happens at once; what it sets off is queued in order (deliveries.py). A
participant who must leave while their call goes on (removed, the conference ended) is
let go (`gone`) only once the app has heard their participant-leave: the call then goes
on to the <Dial>'s action.
"""

from __future__ import annotations

import asyncio
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol

import httpx

from voiceapp.emulator import hold_twiml
from voiceapp.emulator.conference_recording import Recorder, RecordingPlan, RecordingRun
from voiceapp.emulator.deliveries import Deliveries, Step
from voiceapp.emulator.sids import ACCOUNT_SID, now, rfc2822

__all__ = ["ACCOUNT_SID", "DEFAULT_MAX_PARTICIPANTS", "Conference", "Participant", "Why"]

# The carrier's own ceiling when <Conference> names no maxParticipants.
DEFAULT_MAX_PARTICIPANTS = 250
# beep="..." values that sound a tone to the others when the participant comes, or goes.
ENTRY_TONES = frozenset({"true", "onEnter"})
EXIT_TONES = frozenset({"true", "onExit"})


class Why(Enum):
    """Why a participant left; the value is the participant-leave's ReasonParticipantLeft."""

    HUNG_UP = "participant_hung_up"
    STAR = "participant_pressed_star"  # <Dial hangupOnStar="true">
    REMOVED = "participant_kicked"  # DELETE on the Participant
    ENDED = "conference_ended"

    @property
    def call_status(self) -> str:
        """ParticipantCallStatus: the call goes on unless the caller hung up."""
        return "completed" if self is Why.HUNG_UP else "in-progress"


class Member(Protocol):
    """A participant's call, as the conference sees it: it can be told things."""

    call_sid: str

    def note(self, kind: str, text: str, language: str = "", media: str = "") -> None: ...


class Network(Recorder, Protocol):
    """What a conference needs of the carrier: its account, its conferences by name, the
    callbacks it is told to lose, signed POSTs."""

    conferences: dict[str, Conference]
    lost_callbacks: set[str]


def _flag(value: bool) -> str:
    return "true" if value else "false"


@dataclass(eq=False)
class Participant:
    member: Member
    muted: bool = False
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    beep: str = "true"
    hold: bool = False
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    joined: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    why_left: Why | None = None
    # Set when the participant must leave with the call still on: removed, or the end.
    gone: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def of(cls, element: ET.Element, member: Member) -> Participant:
        """A participant as their <Conference> verb says."""
        return cls(
            member,
            muted=element.get("muted") == "true",
            start_conference_on_enter=element.get("startConferenceOnEnter") != "false",
            end_conference_on_exit=element.get("endConferenceOnExit") == "true",
            beep=element.get("beep") or "true",
        )

    @property
    def call_sid(self) -> str:
        return self.member.call_sid

    def status_params(self) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "Muted": _flag(self.muted),
            "Hold": _flag(self.hold),
            "StartConferenceOnEnter": _flag(self.start_conference_on_enter),
            "EndConferenceOnExit": _flag(self.end_conference_on_exit),
            "Coaching": "false",
        }


@dataclass(eq=False)
class Conference:
    sid: str
    name: str
    network: Network
    status_callback: str | None = None  # absolute
    events: frozenset[str] = frozenset()  # statusCallbackEvent's short names: join...
    recording_plan: RecordingPlan | None = None
    present: list[Participant] = field(default_factory=list)  # in the order they joined
    started: bool = False
    ended: bool = False
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    recording: RecordingRun | None = None
    deliveries: Deliveries = field(default_factory=Deliveries)
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def opened_by(
        cls, element: ET.Element, sid: str, network: Network, absolute: Callable[[str], str]
    ) -> Conference:
        """A conference as the first <Conference> verb naming it sets it up."""
        callback = element.get("statusCallback")
        return cls(
            sid=sid,
            name=(element.text or "").strip(),
            network=network,
            status_callback=absolute(callback) if callback else None,
            events=frozenset((element.get("statusCallbackEvent") or "").split()),
            recording_plan=RecordingPlan.of(element, absolute),
        )

    @property
    def participants(self) -> list[str]:
        """The CallSids of those in the conference, in the order they joined."""
        return [participant.call_sid for participant in self.present]

    def find(self, call_sid: str) -> Participant | None:
        return next((p for p in self.present if p.call_sid == call_sid), None)

    async def settled(self) -> None:
        """Once everything the changes so far set off has been carried out."""
        await self.deliveries.flush()

    # ---- changes -----------------------------------------------------------------------

    def join(self, joiner: Participant, *, first: Step | None = None) -> None:
        """`joiner` enters; `first`, if given, is queued before their participant-join
        (the wait music they hear as they come in)."""
        others = list(self.present)
        self.present.append(joiner)
        self._touch()
        if joiner.start_conference_on_enter and not self.started:
            self._start(joiner, others)
        if first is not None:
            self.deliveries.put(first)
        self._status("participant-join", "join", joiner)
        if joiner.beep in ENTRY_TONES:
            self._tone(others, "entry tone: a caller joins")

    def leave(self, leaver: Participant, why: Why) -> None:
        """`leaver` goes; the conference ends if they were to end it, or were the last."""
        if leaver not in self.present:
            return
        self.present.remove(leaver)
        leaver.why_left = why
        self._touch()
        self._status("participant-leave", "leave", leaver, self._left(why))
        removed = why is Why.REMOVED
        if removed:
            self._tell(leaver, "removed", "removed from the conference through the carrier's API")
        if leaver.end_conference_on_exit:
            reason = "participant-with-end-conference-on-exit-" + ("kicked" if removed else "left")
            self.end(reason, leaver.call_sid)
        elif not self.present:
            self.end("last-participant-" + ("kicked" if removed else "left"), leaver.call_sid)
        elif leaver.beep in EXIT_TONES:
            self._tone(self.present, "exit tone: a caller leaves")
        self.deliveries.then(leaver.gone.set)

    def end(self, reason: str, call_sid: str | None = None) -> None:
        """The conference is over for everyone: each leaves (the call goes on), then
        conference-end; the recording, if any, is written and posted last."""
        if self.ended:
            return
        self.ended = True
        self.reason_ended, self.call_sid_ending = reason, call_sid
        self._touch()
        if self.network.conferences.get(self.name) is self:
            del self.network.conferences[self.name]
        staying, self.present = self.present, []
        for participant in staying:
            participant.why_left = Why.ENDED
            self._status("participant-leave", "leave", participant, self._left(Why.ENDED))
        extra = {"ReasonConferenceEnded": reason}
        if call_sid:
            extra["CallSidEndingConference"] = call_sid
        self._status("conference-end", "end", extra=extra)
        for participant in staying:
            self._tell(participant, "ended", "the conference has ended")
            self.deliveries.then(participant.gone.set)
        run = self.recording
        if run is not None:
            self.deliveries.put(lambda: self._record(run))

    def set_muted(self, participant: Participant, muted: bool) -> None:
        participant.muted = muted
        participant.updated = now()
        event = "participant-mute" if muted else "participant-unmute"
        self._status(event, "mute", participant)
        word = "muted" if muted else "unmuted"
        self._tell(participant, word, f"{word} through the carrier's API")

    def set_hold(self, participant: Participant, hold: bool) -> None:
        participant.hold = hold
        participant.updated = now()
        self._status("participant-hold" if hold else "participant-unhold", "hold", participant)
        if hold:
            self._tell(participant, "held", "put on hold through the carrier's API")
        else:
            self._tell(participant, "unheld", "back from hold")

    def announce(self, url: str, to: list[Participant]) -> None:
        """Fetch the TwiML at `url` once and have `to` hear it."""
        params = {"AccountSid": self.network.account_sid, "ConferenceSid": self.sid}
        if len(to) == 1:
            params["CallSid"] = to[0].call_sid

        async def step() -> None:
            heard = await hold_twiml.sounds_at(self.network.post, url, params)
            for participant in to:
                for sound in heard.sounds:
                    if sound.verb != "Pause":
                        text = sound.text or sound.media
                        participant.member.note("announce", text, sound.language, sound.media)
                if heard.problem:
                    participant.member.note("error", f"announcement: {heard.problem}")

        self.deliveries.put(step)

    # ---- what the changes set off ------------------------------------------------------

    def _start(self, starter: Participant, waiting: list[Participant]) -> None:
        self.started = True
        if self.recording_plan is not None:
            self.recording = RecordingRun.starting(self.recording_plan, now())
        self._status("conference-start", "start", subject=starter.member)
        for participant in waiting:
            self._tell(participant, "conference", "the host is here: the conference starts")

    def _left(self, why: Why) -> dict[str, str]:
        return {"ParticipantCallStatus": why.call_status, "ReasonParticipantLeft": why.value}

    def _touch(self) -> None:
        self.updated = now()

    def _tell(self, participant: Participant, kind: str, text: str) -> None:
        member = participant.member
        self.deliveries.then(lambda: member.note(kind, text))

    def _tone(self, hearing: list[Participant], text: str) -> None:
        for participant in hearing:
            self._tell(participant, "tone", text)

    def _status(
        self,
        event: str,
        short: str,
        participant: Participant | None = None,
        extra: dict[str, str] | None = None,
        *,
        subject: Member | None = None,
    ) -> None:
        """Queue the status callback for `event`, if the first participant asked for it
        (statusCallbackEvent lists the short names: start end join leave mute hold...)."""
        if not self.status_callback or short not in self.events:
            return
        params = {
            "AccountSid": self.network.account_sid,
            "ConferenceSid": self.sid,
            "FriendlyName": self.name,
            "StatusCallbackEvent": event,
            "SequenceNumber": str(next(self._sequence)),
            "Timestamp": rfc2822(now()),
        }
        if participant is not None:
            params.update(participant.status_params())
            subject = subject or participant.member
        params.update(extra or {})
        url = self.status_callback
        self.deliveries.put(lambda: self._post_status(url, event, params, subject))

    async def _post_status(
        self, url: str, event: str, params: dict[str, str], subject: Member | None
    ) -> None:
        def problem(text: str) -> None:
            if subject is not None:
                subject.note("error", text)

        if event in self.network.lost_callbacks:
            if subject is not None:
                subject.note("lost", f"the {event} callback is lost on the way")
            return
        try:
            response = await self.network.post(url, params)
        except httpx.HTTPError as error:
            problem(f"the conference status callback failed: {type(error).__name__}")
            return
        if response.status_code != 200:
            problem(f"HTTP {response.status_code} from the conference status callback")

    async def _record(self, run: RecordingRun) -> None:
        await run.finish(self.network, self.sid)
