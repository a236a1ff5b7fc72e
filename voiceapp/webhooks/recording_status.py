"""The carrier's recording callback for a room's conference (the recordingStatusCallback
of a recorded room's <Conference>, ?room=<the room's id> in its signed URL).

A completed recording is kept (conferencing.recordings), once per RecordingSid however
often the carrier retries. The answer is always empty TwiML, which the carrier reads
nothing from: a callback that cannot be used (another status, a field missing or
unreadable) is acknowledged, with a warning in the log, never a 500 the carrier would
retry or report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from starlette.routing import Route
from twilio.twiml.voice_response import VoiceResponse

from voiceapp.conferencing import recordings
from voiceapp.conferencing.recordings import Recorded
from voiceapp.core.models import LARGEST_ROW_ID
from voiceapp.webhooks.endpoint import VoiceRequest, voice_webhook

log = logging.getLogger(__name__)

# The columns' sizes (core.models.ConferenceRecording): a longer value is not one a
# carrier sends, and cut short it would name another recording.
SID_MAX = 64
URL_MAX = 500
# The longest conference voiceapp dials (timeLimit), with a day's margin for any carrier.
LONGEST_RECORDING_SECONDS = 24 * 60 * 60
# A start before this, or more than a day after the callback arrives, is no real one (and
# one near year 1 could not even be shown in every time zone).
EARLIEST_START = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)


def room_id_from(query: Mapping[str, str]) -> int | None:
    raw = query.get("room", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    room_id = int(raw)
    return room_id if 0 < room_id <= LARGEST_ROW_ID else None


def start_time(text: str) -> datetime | None:
    """RecordingStartTime (RFC 2822, "Tue, 04 Mar 2025 10:00:00 +0000") as an aware UTC
    datetime; None when it is not one, or no believable start."""
    try:
        moment = parsedate_to_datetime(text)
        if moment.tzinfo is None:  # "-0000": UTC, its local zone unknown
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if not EARLIEST_START <= moment <= datetime.now(UTC) + CLOCK_SKEW:
        return None
    return moment


def _text(voice: VoiceRequest, name: str, limit: int) -> str | None:
    """A field that must be there, and fit its column whole."""
    value = voice.field(name, limit + 1)
    return value if 0 < len(value) <= limit else None


def recorded_from(voice: VoiceRequest) -> Recorded | str:
    """The recording the callback reports, or the name of the first field that is
    missing or unreadable."""
    sid = _text(voice, "RecordingSid", SID_MAX)
    if sid is None:
        return "RecordingSid"
    url = _text(voice, "RecordingUrl", URL_MAX)
    if url is None:
        return "RecordingUrl"
    conference_sid = _text(voice, "ConferenceSid", SID_MAX)
    if conference_sid is None:
        return "ConferenceSid"
    started_at = start_time(voice.field("RecordingStartTime"))
    if started_at is None:
        return "RecordingStartTime"
    duration = voice.whole_number("RecordingDuration")
    if duration is None or duration > LONGEST_RECORDING_SECONDS:
        return "RecordingDuration"
    return Recorded(sid, url, conference_sid, started_at, duration)


@voice_webhook
async def recording_status(voice: VoiceRequest) -> VoiceResponse:
    status = voice.field("RecordingStatus")
    if status != "completed":
        # in-progress, absent (nothing was heard), failed: no audio to keep.
        log.info("recording callback with RecordingStatus=%r: nothing to keep", status)
        return VoiceResponse()
    room_id = room_id_from(voice.query)
    recorded = recorded_from(voice)
    if room_id is None or isinstance(recorded, str):
        unusable = "the room in the URL" if room_id is None else recorded
        log.warning("recording callback ignored: %s is missing or unreadable", unusable)
        return VoiceResponse()
    await recordings.save_recording(room_id, recorded)
    return VoiceResponse()


routes = [
    Route("/voice/recording-status", recording_status, methods=["POST"]),
]
