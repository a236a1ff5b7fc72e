"""A recording's audio, wherever it is: voicemail now, conference recordings next.

voiceapp keeps what the carrier posts about a recording (RecordingUrl, RecordingSid);
this module answers, in one place, where its audio comes from:

1. a file of ours, media_dir/recordings/<RecordingSid>.wav, when there is one: what the
   emulator records (it has no API to fetch from), or a copy kept;
2. else the carrier's: the RecordingUrl, when it lies under the carrier's API
   (VOICEAPP_CARRIER_API_URL) and an account is set, fetched with the account SID and
   TWILIO_AUTH_TOKEN, which are sent nowhere else and never logged;
3. else nowhere voiceapp may fetch from, with a sentence that says why.

Only a SID of the carrier's shape (RE and 32 hex digits) names a file, so nothing that
arrives in a request or a webhook becomes a path. The /media route never serves the
folder (media/paths.py): recordings are heard through the admin pages, logged in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from voiceapp.carrier.rest import CarrierApi, CarrierError, configured
from voiceapp.core.errors import VoiceappError
from voiceapp.core.i18n import N_, Params
from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)

# Under the media directory; media/paths.py keeps the /media route out of it.
RECORDINGS_DIR = "recordings"
RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")
ACCOUNT_SID = r"AC[0-9a-fA-F]{32}"
# Twilio: the RecordingUrl plus ".wav" is the recording as WAV (8 kHz, 16 bits, mono),
# what browsers play and seek by byte; ".mp3" would be a quarter the size, re-encoded.
AUDIO_SUFFIX = ".wav"
AUDIO_TYPE = "audio/wav"
# A carrier that has not answered by then (connecting, or between two chunks) is given up
# on, so an admin's player never hangs on it (seconds).
FETCH_TIMEOUT = 10.0
# The most voiceapp relays of one recording: an hour of the carrier's WAV (128 kbit/s) is
# 57.6 MB, and VOICEAPP_VOICEMAIL_MAX_SECONDS is at most an hour.
MAX_BYTES = 64 * 1024 * 1024
# A redirect to the carrier's media store is followed (httpx drops the credentials when it
# leaves the API's host); a chain of them is not.
MAX_REDIRECTS = 3


class RecordingUnavailable(VoiceappError):
    """The audio cannot be had, and why: `http_status` is 404 when voiceapp has no way to
    it (deleted at the carrier, no account set, not at the carrier's API) and 502 when the
    carrier failed (refused, timed out, sent something else)."""

    def __init__(self, message: str, *, params: Params | None = None, gone: bool) -> None:
        super().__init__(message, params=params)
        self.http_status = 404 if gone else 502


@dataclass(frozen=True)
class LocalAudio:
    path: Path


@dataclass(frozen=True)
class CarrierAudio:
    url: str  # the RecordingUrl, under the carrier's API
    account_sid: str  # from the URL: a subaccount's recording names the subaccount
    recording_sid: str

    @property
    def audio_url(self) -> str:
        return self.url + AUDIO_SUFFIX


@dataclass(frozen=True)
class NoAudio:
    problem: RecordingUnavailable


Audio = LocalAudio | CarrierAudio | NoAudio


def local_file(media_dir: Path, recording_sid: str) -> Path:
    """Where a recording of ours lives (the emulator writes there, voiceapp reads there).
    ValueError for anything but a recording SID."""
    if not RECORDING_SID.fullmatch(recording_sid):
        raise ValueError(f"not a recording SID: {recording_sid[:40]!r}")
    return media_dir / RECORDINGS_DIR / f"{recording_sid}.wav"


def _existing_local_file(media_dir: Path, recording_sid: str | None) -> Path | None:
    if not recording_sid or not RECORDING_SID.fullmatch(recording_sid):
        return None
    root = (media_dir / RECORDINGS_DIR).resolve()
    path = local_file(media_dir, recording_sid).resolve()  # a symlink must stay inside
    if path.parent != root or not path.is_file():
        return None
    return path


def _at_carrier(settings: Settings, url: str) -> CarrierAudio | None:
    """The recording a RecordingUrl names at the carrier's API, or None for any other URL."""
    pattern = (
        re.escape(settings.carrier_api_url)
        + rf"/2010-04-01/Accounts/({ACCOUNT_SID})/Recordings/({RECORDING_SID.pattern})"
    )
    found = re.fullmatch(pattern, url.strip())
    if found is None:
        return None
    return CarrierAudio(found.group(0), found.group(1), found.group(2))


def locate(settings: Settings, recording_url: str, recording_sid: str | None) -> Audio:
    """Where this recording's audio comes from (see the module's docstring). It reads
    nothing but a file's existence, so a page can ask it for every message it lists."""
    path = _existing_local_file(settings.media_dir, recording_sid)
    if path is not None:
        return LocalAudio(path)
    at_carrier = _at_carrier(settings, recording_url)
    if at_carrier is None:
        return NoAudio(
            RecordingUnavailable(
                N_(
                    "This recording is not at the carrier's API (VOICEAPP_CARRIER_API_URL), "
                    "so voiceapp does not fetch it."
                ),
                gone=True,
            )
        )
    if not configured(settings):
        return NoAudio(
            RecordingUnavailable(
                N_(
                    "This recording is kept by the carrier, and no carrier account is set: "
                    "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to play it."
                ),
                gone=True,
            )
        )
    return at_carrier


# ---- fetching from the carrier ---------------------------------------------------------


@dataclass
class Fetched:
    """The carrier's answer, still streaming: its status (200, 206, 416), the headers worth
    passing on, and the body (at most MAX_BYTES; it closes the connection when done)."""

    status: int
    content_type: str
    length: int | None
    content_range: str | None
    chunks: AsyncGenerator[bytes, None]
    validators: dict[str, str] = field(default_factory=dict)  # ETag, Last-Modified


def _refusal(status: int) -> RecordingUnavailable:
    if status in (404, 410):
        return RecordingUnavailable(
            N_("The carrier no longer has this recording: it was deleted there."), gone=True
        )
    if status in (401, 403):
        return RecordingUnavailable(
            N_(
                "The carrier refused voiceapp's credentials (HTTP %(status)s): check "
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."
            ),
            params={"status": status},
            gone=False,
        )
    return RecordingUnavailable(
        N_("The carrier could not send this recording (HTTP %(status)s); try again later."),
        params={"status": status},
        gone=False,
    )


async def _body(
    client: httpx.AsyncClient, response: httpx.Response, sid: str
) -> AsyncGenerator[bytes, None]:
    sent = 0
    try:
        async for chunk in response.aiter_raw():
            if sent + len(chunk) > MAX_BYTES:
                # The headers are gone already: the player gets a short file, the log why.
                log.warning("recording %s cut at %d bytes: larger than voiceapp relays", sid, sent)
                return
            sent += len(chunk)
            yield chunk
    except httpx.HTTPError as error:
        log.warning("recording %s: the carrier stopped sending (%s)", sid, type(error).__name__)
    finally:
        await response.aclose()
        await client.aclose()


async def fetch(
    settings: Settings,
    audio: CarrierAudio,
    *,
    byte_range: str | None = None,
    if_range: str | None = None,
) -> Fetched:
    """Ask the carrier for the recording's audio, passing on the player's Range (and
    If-Range), and start streaming it. RecordingUnavailable when the carrier cannot or
    will not send audio; nothing about the credentials is ever in its message or the log."""
    headers = {"Accept": "audio/*"}
    if byte_range:
        headers["Range"] = byte_range
        if if_range:
            headers["If-Range"] = if_range
    client = httpx.AsyncClient(
        auth=httpx.BasicAuth(settings.account_sid, settings.auth_token),
        timeout=FETCH_TIMEOUT,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
    )
    try:
        request = client.build_request("GET", audio.audio_url, headers=headers)
        response = await client.send(request, stream=True)
    except httpx.TimeoutException:
        await client.aclose()
        log.warning("recording %s: the carrier did not answer in time", audio.recording_sid)
        raise RecordingUnavailable(
            N_("The carrier did not answer within %(seconds)s seconds; try again later."),
            params={"seconds": f"{FETCH_TIMEOUT:g}"},
            gone=False,
        ) from None
    except httpx.HTTPError as error:
        await client.aclose()
        log.warning(
            "recording %s: the carrier at %s could not be reached (%s)",
            audio.recording_sid,
            urlsplit(audio.url).netloc,
            type(error).__name__,
        )
        raise RecordingUnavailable(
            N_("The carrier could not be reached; try again later."), gone=False
        ) from None
    try:
        return _started(audio, client, response)
    except RecordingUnavailable:
        await response.aclose()
        await client.aclose()
        raise


def _started(audio: CarrierAudio, client: httpx.AsyncClient, response: httpx.Response) -> Fetched:
    status = response.status_code
    if status == 416:
        return Fetched(416, AUDIO_TYPE, None, response.headers.get("content-range"), _nothing())
    if status not in (200, 206):
        log.warning("recording %s: the carrier answered HTTP %d", audio.recording_sid, status)
        raise _refusal(status)
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not kind.startswith("audio/"):
        log.warning("recording %s: the carrier sent %r, not audio", audio.recording_sid, kind)
        raise RecordingUnavailable(
            N_("The carrier sent something other than audio (%(type)s)."),
            params={"type": kind or "?"},
            gone=False,
        )
    length_header = response.headers.get("content-length", "")
    length = int(length_header) if length_header.isdigit() else None
    if length is not None and length > MAX_BYTES:
        raise RecordingUnavailable(
            N_("This recording is larger than %(megabytes)s MB, more than voiceapp relays."),
            params={"megabytes": MAX_BYTES // (1024 * 1024)},
            gone=False,
        )
    return Fetched(
        status=status,
        # Twilio says audio/x-wav; the registered name is audio/wav.
        content_type=AUDIO_TYPE if kind in ("audio/x-wav", "audio/wave") else kind,
        length=length,
        content_range=response.headers.get("content-range"),
        chunks=_body(client, response, audio.recording_sid),
        validators={
            name: response.headers[name]
            for name in ("etag", "last-modified")
            if name in response.headers
        },
    )


async def _nothing() -> AsyncGenerator[bytes, None]:
    return
    yield  # an async generator that yields nothing


# ---- deleting ----------------------------------------------------------------------------


class Discarded(Enum):
    """What became of a recording's audio when its message was deleted."""

    DELETED = "deleted"  # our file removed, or deleted at the carrier
    ALREADY_GONE = "already-gone"  # the carrier had already deleted it
    LEFT = "left"  # voiceapp cannot reach it (no account, not at the carrier's API)


async def discard(settings: Settings, audio: Audio) -> Discarded:
    """Delete the audio itself. RecordingUnavailable (a 502) when the carrier refuses or
    cannot be reached: the caller keeps its message then, so a recording is never left at
    the carrier with nothing in voiceapp that points to it."""
    if isinstance(audio, LocalAudio):
        audio.path.unlink(missing_ok=True)
        return Discarded.DELETED
    if isinstance(audio, NoAudio):
        return Discarded.LEFT
    api = CarrierApi(settings)
    try:
        deleted = await api.delete_recording(audio.account_sid, audio.recording_sid)
    except CarrierError as error:
        log.warning("recording %s not deleted at the carrier: %s", audio.recording_sid, error)
        if error.status is None:
            raise RecordingUnavailable(
                N_(
                    "The carrier could not be reached to delete the recording, so it is "
                    "kept. Try again later."
                ),
                gone=False,
            ) from None
        raise RecordingUnavailable(
            N_(
                "The carrier refused to delete the recording (HTTP %(status)s), so it is "
                "kept. Try again later."
            ),
            params={"status": error.status},
            gone=False,
        ) from None
    finally:
        await api.close()
    return Discarded.DELETED if deleted else Discarded.ALREADY_GONE
