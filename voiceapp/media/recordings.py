"""A recording's audio as an HTTP answer, for an in-page player: streamed, never read
whole, with byte ranges so the player can seek.

Where the audio comes from is carrier/recordings.py's answer. A file of ours is served
from disk with http_cache's range rules (as /media serves prompts); the carrier's stream is
relayed with the player's Range passed on, and when the carrier ignores it (a 200 with
the whole file) the range is cut here, so seeking works either way. Recordings are
private: no shared cache may keep them (Cache-Control: no-store).
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator

import aiofiles
from starlette.datastructures import Headers
from starlette.responses import Response, StreamingResponse

from voiceapp.carrier import recordings
from voiceapp.carrier.recordings import AUDIO_TYPE, CarrierAudio, LocalAudio
from voiceapp.core.i18n import N_
from voiceapp.core.settings import Settings
from voiceapp.media import http_cache
from voiceapp.media.serve import file_chunks

PRIVATE = {"Cache-Control": "no-store", "Accept-Ranges": "bytes"}


def from_the_start(headers: Headers) -> bool:
    """Whether a request asks for the recording from its first byte: what a player sends
    when someone presses play (a seek asks for a later byte)."""
    asked = headers.get("range", "").replace(" ", "")
    return asked in ("", "bytes=0-") or asked.startswith("bytes=0-")


async def audio_response(
    headers: Headers, settings: Settings, audio: LocalAudio | CarrierAudio
) -> Response:
    """The answer to a player's GET of `audio`. RecordingUnavailable when the carrier
    cannot or will not send it."""
    if isinstance(audio, LocalAudio):
        return await _local(headers, audio)
    return await _relayed(headers, settings, audio)


async def _local(headers: Headers, audio: LocalAudio) -> Response:
    try:
        handle = await aiofiles.open(audio.path, "rb")
    except OSError:  # deleted since it was located
        raise recordings.RecordingUnavailable(
            N_("This recording's file is gone."), gone=True
        ) from None
    stat = os.fstat(handle.fileno())  # the file opened, even if it is replaced meanwhile
    validators = http_cache.Validators.of(stat)
    size = stat.st_size
    answer = {**PRIVATE, "ETag": validators.etag, "Last-Modified": validators.last_modified}
    try:
        span = http_cache.byte_range(headers, validators, size)
    except http_cache.Unsatisfiable:
        await handle.close()
        return Response(status_code=416, headers={**answer, "Content-Range": f"bytes */{size}"})
    first, last = span if span is not None else (0, size - 1)
    if span is not None:
        answer["Content-Range"] = f"bytes {first}-{last}/{size}"
    answer["Content-Length"] = str(last - first + 1)
    return StreamingResponse(
        file_chunks(handle, first, last - first + 1),
        status_code=206 if span is not None else 200,
        headers=answer,
        media_type=AUDIO_TYPE,
    )


async def _cut(
    chunks: AsyncGenerator[bytes, None], first: int, last: int
) -> AsyncGenerator[bytes, None]:
    """Bytes first..last (inclusive) of a stream that starts at byte 0."""
    position = 0
    try:
        async for chunk in chunks:
            start, end = position, position + len(chunk)
            position = end
            if end <= first:
                continue
            yield chunk[max(first - start, 0) : last + 1 - start]
            if end > last:
                return
    finally:
        await chunks.aclose()


async def _relayed(headers: Headers, settings: Settings, audio: CarrierAudio) -> Response:
    fetched = await recordings.fetch(
        settings, audio, byte_range=headers.get("range"), if_range=headers.get("if-range")
    )
    answer = {**PRIVATE, **{name.title(): value for name, value in fetched.validators.items()}}
    if fetched.status == 416:
        if fetched.content_range:
            answer["Content-Range"] = fetched.content_range
        return Response(status_code=416, headers=answer)
    chunks, status = fetched.chunks, fetched.status
    if status == 200 and "range" in headers and fetched.length is not None:
        # The carrier sent the whole file where a part was asked for: cut it here.
        validators = http_cache.Validators(
            etag=fetched.validators.get("etag", ""),
            last_modified=fetched.validators.get("last-modified", ""),
            mtime=0,
        )
        try:
            span = http_cache.byte_range(headers, validators, fetched.length)
        except http_cache.Unsatisfiable:
            await chunks.aclose()
            answer["Content-Range"] = f"bytes */{fetched.length}"
            return Response(status_code=416, headers=answer)
        if span is not None:
            first, last = span
            chunks, status = _cut(chunks, first, last), 206
            answer["Content-Range"] = f"bytes {first}-{last}/{fetched.length}"
            answer["Content-Length"] = str(last - first + 1)
    if status == 206 and "Content-Range" not in answer and fetched.content_range:
        answer["Content-Range"] = fetched.content_range
    if "Content-Length" not in answer and fetched.length is not None:
        answer["Content-Length"] = str(fetched.length)
    return StreamingResponse(
        chunks, status_code=status, headers=answer, media_type=fetched.content_type
    )
