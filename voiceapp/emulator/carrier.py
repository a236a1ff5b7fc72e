"""The carrier: one account's network, which signs each webhook, places calls (call.py
follows each call's TwiML) and keeps the conferences and recordings they make.

A call follows Say, Play, Pause, Gather (finishOnKey, numDigits, timeout with no entry),
Redirect, Dial/Conference (in_conference.py: what a call does in a conference;
conferences.py: the conference itself, its callbacks and its recording), Dial/Number and
Dial/Sip, Record (far_end.py: who answers, what the caller leaves at the beep), Hangup
and Reject. The caller's keypad (keypad.py) types at each <Gather> (gather.py): entries
given up front, or keys a person presses as the call goes, as the Test call page does.
Everything the caller hears and does is kept as `Event`s (events.py), printed as a
transcript and passed to `on_event` as it happens. rest_api.py answers the carrier's REST
API (mute, remove, end...) for the conferences and calls a Carrier holds.

Webhooks are signed here with twilio's own RequestValidator, not voiceapp's signature
module: the emulator sits below the HTTP layer it calls (the admin pages run it inside
the server), and a signer of its own also checks voiceapp's check independently.
"""

from __future__ import annotations

import itertools
import secrets
from collections import OrderedDict
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.conferences import Conference
from voiceapp.emulator.events import EventListener
from voiceapp.emulator.far_end import MESSAGE_SECONDS, DialOutcome
from voiceapp.emulator.keypad import Keypad
from voiceapp.emulator.sids import ACCOUNT_SID

__all__ = ["ACCOUNT_SID", "Carrier"]

SIGNATURE_HEADER = "X-Twilio-Signature"
# Where a recording's URL points when no REST API of the emulator is served (rest_api.py).
DEFAULT_API_URL = "https://api.twilio.com"
# How many ended calls the carrier still describes (GET .../Calls/{sid}.json: "completed").
ENDED_CALLS_KEPT = 1000


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
        account_sid: str = ACCOUNT_SID,
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
        # The AccountSid of every webhook, and the REST API's user (rest_api.py).
        self.account_sid = account_sid
        # Where rest_api.py serves this carrier's REST API, while it does.
        self.api_url: str | None = None
        # Calls placed and not ended, and the last ended ones' status, for the REST API.
        self.calls: dict[str, EmulatedCall] = {}
        self.ended_calls: OrderedDict[str, str] = OrderedDict()
        # RecordingSid -> its WAV (None: no media directory), what this carrier recorded.
        self.recordings: dict[str, Path | None] = {}
        self._sids = itertools.count(1)

    def new_sid(self, prefix: str) -> str:
        return f"{prefix}{secrets.token_hex(12)}{next(self._sids):08x}"

    def recording_url(self, recording_sid: str) -> str:
        """The RecordingUrl of a recording of this carrier's (no extension)."""
        base = self.api_url or DEFAULT_API_URL
        return f"{base}/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}"

    def call_ended(self, call: EmulatedCall) -> None:
        self.calls.pop(call.call_sid, None)
        self.ended_calls[call.call_sid] = call.status
        while len(self.ended_calls) > ENDED_CALLS_KEPT:
            self.ended_calls.popitem(last=False)

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
