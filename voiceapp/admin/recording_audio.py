"""A recording's audio for an admin page's in-page player, as the Voicemail and
Recordings pages both play them.

Each page's player has a route of the page's own as its source (/admin/voicemail/{id}/audio,
/admin/recordings/{id}/audio), streamed through voiceapp: the carrier's credentials stay on
the server, and a recording is only heard logged in. Where the audio comes from is
carrier/recordings.py's answer; the bytes, with ranges, media/recordings.py's.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from voiceapp.admin.http import settings_of
from voiceapp.admin.locale import request_language
from voiceapp.carrier.recordings import Discarded, NoAudio, RecordingUnavailable, locate
from voiceapp.core.errors import Conflict
from voiceapp.core.settings import Settings
from voiceapp.media.recordings import audio_response


def known_problem(
    settings: Settings, language: str, recording_url: str, recording_sid: str | None
) -> str:
    """Why the recording cannot be played, when that is known before anyone presses play
    (no carrier account set, a URL voiceapp does not fetch); "" when it may play. It reads
    nothing but a file's existence, so a page can ask it for every recording it lists."""
    audio = locate(settings, recording_url, recording_sid)
    return audio.problem.in_language(language) if isinstance(audio, NoAudio) else ""


async def audio_answer(request: Request, recording_url: str, recording_sid: str | None) -> Response:
    """The recording's audio for the player's request, byte ranges included; or, when it
    cannot be had, a plain-text sentence (in the page's language) that the page's script
    shows beside the player, with a 404 or 502. Never a 500."""
    settings = settings_of(request)
    audio = locate(settings, recording_url, recording_sid)
    try:
        if isinstance(audio, NoAudio):
            raise audio.problem
        return await audio_response(request.headers, settings, audio)
    except RecordingUnavailable as problem:
        return PlainTextResponse(
            problem.in_language(request_language(request)),
            status_code=problem.http_status,
            headers={"Cache-Control": "no-store"},
        )


async def deleted(deleting: Awaitable[Discarded]) -> Discarded:
    """What became of a recording's audio as the page deletes it. A carrier that refuses
    is a Conflict (409: its state stands in the way), which the confirmation page shows."""
    try:
        return await deleting
    except RecordingUnavailable as refused:
        raise Conflict(refused.template, params=refused.params) from None
