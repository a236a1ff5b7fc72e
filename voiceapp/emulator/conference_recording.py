"""A conference recorded from its start (<Conference record="record-from-start">).

The recording runs from conference-start to conference-end. When the conference ends the
emulator writes it as a real WAV (recordings.py: media_dir/recordings/<RecordingSid>.wav,
where voiceapp looks for recordings of its own) and POSTs recordingStatusCallback as the
carrier does. Only the first participant's settings count, as for the status callbacks.
"""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import httpx

from voiceapp.emulator import recordings
from voiceapp.emulator.sids import rfc2822

log = logging.getLogger(__name__)

RECORD_FROM_START = "record-from-start"


class Recorder(Protocol):
    """What a recording needs of the carrier."""

    account_sid: str
    media_dir: Path | None
    recordings: dict[str, Path | None]

    def new_sid(self, prefix: str) -> str: ...

    def recording_url(self, recording_sid: str) -> str: ...

    async def post(self, url: str, params: dict[str, str]) -> httpx.Response: ...


@dataclass(frozen=True)
class RecordingPlan:
    """What the first participant's <Conference> asked to be done with the recording."""

    callback: str | None  # recordingStatusCallback, absolute
    events: frozenset[str]  # recordingStatusCallbackEvent

    @classmethod
    def of(cls, element: ET.Element, absolute: Callable[[str], str]) -> RecordingPlan | None:
        if element.get("record") != RECORD_FROM_START:
            return None
        callback = element.get("recordingStatusCallback")
        events = element.get("recordingStatusCallbackEvent") or "completed"
        return cls(absolute(callback) if callback else None, frozenset(events.split()))


@dataclass(frozen=True)
class RecordingRun:
    plan: RecordingPlan
    started_at: datetime
    started: float  # the event loop's clock

    @classmethod
    def starting(cls, plan: RecordingPlan, started_at: datetime) -> RecordingRun:
        return cls(plan, started_at, asyncio.get_running_loop().time())

    async def finish(self, carrier: Recorder, conference_sid: str) -> str:
        """The conference ended: write the recording, tell the app. Its RecordingSid."""
        elapsed = asyncio.get_running_loop().time() - self.started
        seconds = max(1, round(elapsed))
        sid = carrier.new_sid("RE")
        path = None
        if carrier.media_dir is not None:
            # A long conference is a big file: written away from the event loop.
            path = await asyncio.to_thread(
                recordings.write_recording, carrier.media_dir, sid, seconds
            )
        carrier.recordings[sid] = path
        if self.plan.callback is None or "completed" not in self.plan.events:
            return sid
        params = {
            "AccountSid": carrier.account_sid,
            "ConferenceSid": conference_sid,
            "RecordingSid": sid,
            "RecordingUrl": carrier.recording_url(sid),
            "RecordingStatus": "completed",
            "RecordingDuration": str(seconds),
            "RecordingChannels": "1",
            "RecordingStartTime": rfc2822(self.started_at),
            "RecordingSource": "StartConferenceVerb",
            "ErrorCode": "0",
        }
        try:
            response = await carrier.post(self.plan.callback, params)
        except httpx.HTTPError as error:
            log.warning("emulator: recording callback failed: %s", type(error).__name__)
            return sid
        if response.status_code != 200:
            log.warning("emulator: HTTP %s from the recording callback", response.status_code)
        return sid
