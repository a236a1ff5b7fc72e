"""GET /media/<path>: the media directory's audio files, served to the carrier.

Only audio files are served, and only from inside the directory (see paths.resolve: any
"..", encoded or not, is a 404 like a missing file). Files are streamed from disk in chunks
with aiofiles, never read whole, with ETag and Last-Modified for revalidation (304) and
byte ranges (206) for players that seek.

Why not Starlette's FileResponse or StaticFiles (FileResponse put in this route's place
fails 8 of tests/test_media_route.py's cases, and the replaced-file one):
- FileResponse reads the Range header itself and answers 400 where we send the whole file
  as RFC 9110 allows ("items=0-5", "bytes=9-2", "bytes=-", positions past Python's
  4,300-digit int() limit), 400 rather than 416 for a first byte of 4,301 digits, and
  multipart/byteranges where we send the whole file for several ranges.
- It opens the path again after sending the headers, so a render that replaces the file
  meanwhile sends the new file's bytes under the old file's Content-Length; this route
  streams the file it opened and measured (os.fstat).
- It never answers 304 (If-None-Match, If-Modified-Since): StaticFiles does, but it serves
  any file under its directory (the manifest too), typed by mimetypes' guess (audio/x-wav
  where we send audio/wav), without Cache-Control, and its own path checks, not ours.
So http_cache keeps the rules (validators, 304, one byte range, 416) and this module the I/O.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import aiofiles
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from voiceapp.core.settings import Settings
from voiceapp.media import http_cache
from voiceapp.media.paths import MEDIA_PREFIX, content_type, resolve

CHUNK_BYTES = 64 * 1024
# URLs voiceapp hands the carrier carry a version of the content (?v=), so a copy may be
# kept a while; revalidation with the ETag is cheap after that.
CACHE_CONTROL = "public, max-age=3600"


async def file_chunks(handle: Any, first: int, length: int) -> AsyncIterator[bytes]:
    """`length` bytes of an open aiofiles file from `first`, in chunks; closes it."""
    try:
        await handle.seek(first)
        while length > 0:
            chunk = await handle.read(min(CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        await handle.close()


def not_found() -> Response:
    return PlainTextResponse("not found", status_code=404)


async def media_file(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    path = resolve(settings.media_dir, request.path_params["path"])
    if path is None:
        return not_found()
    try:
        handle = await aiofiles.open(path, "rb")
    except OSError:
        return not_found()
    # The size and dates of the file we opened, even if a render replaces it meanwhile.
    stat = os.fstat(handle.fileno())
    validators = http_cache.Validators.of(stat)
    headers = {
        "ETag": validators.etag,
        "Last-Modified": validators.last_modified,
        "Cache-Control": CACHE_CONTROL,
        "Accept-Ranges": "bytes",
    }
    size = stat.st_size
    try:
        if http_cache.not_modified(request.headers, validators):
            await handle.close()
            return Response(status_code=304, headers=headers)
        span = http_cache.byte_range(request.headers, validators, size)
    except http_cache.Unsatisfiable:
        await handle.close()
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    first, last = span if span is not None else (0, size - 1)
    if span is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    status = 206 if span is not None else 200
    if request.method == "HEAD":
        await handle.close()
        return Response(status_code=status, headers=headers, media_type=content_type(path))
    return StreamingResponse(
        file_chunks(handle, first, last - first + 1),
        status_code=status,
        headers=headers,
        media_type=content_type(path),
    )


routes = [Route(MEDIA_PREFIX + "/{path:path}", media_file, methods=["GET", "HEAD"])]
