"""Every request body, read whole before the app sees it, and at most a size that fits its
route.

Nothing here needs a login, so nothing may read an unbounded body: a carrier webhook is
read before its signature is checked, the admin login form before the password is. One
unsigned 50 MB webhook once took a worker from 58 MB to 4.1 GB and stalled it for 15 s.

- A body larger than its limit is answered 413 and the connection closed: at once when
  Content-Length says so, else as soon as the bytes read pass the limit (a chunked or
  lying body). Nothing past the limit is kept.
- A client that leaves mid-body gets no answer and the app never runs. That is also
  what a body too slow to arrive looks like here: `voiceapp serve` answers it 408 and
  closes its connection (http_protocol, which holds every deadline).

So the app only ever sees a complete, small body, and a handler never has to tell a cut
body from a malformed one. (Starlette's own RequestBodyLimitMiddleware, in recent
versions only, raises from inside the app's receive instead: the error then goes through
each handler's own error handling, and it does not close the connection.)
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voiceapp.web.security_headers import HEADERS

# A carrier's webhook is a form of a few dozen short fields: 1 to 3 KB. 64 KiB leaves
# room for any field a carrier may add and is still read and parsed in well under 1 ms.
WEBHOOK_MAX_BYTES = 64 * 1024
# The admin pages' forms are text only (greetings are uploaded with `voiceapp prompts
# upload`, not through a page): the longest, an extension's member list, is a few KB.
ADMIN_MAX_BYTES = 256 * 1024
ADMIN_PREFIX = "/admin"
# The one admin upload: a file of contacts. The import takes files up to 1 MiB and says
# so, in the page's language, for one a little larger; the room above that is for the
# form's other fields and the multipart framing.
CONTACTS_IMPORT_PATH = ADMIN_PREFIX + "/contacts/import"
CONTACTS_IMPORT_MAX_BYTES = 2 * 1024 * 1024
# Seconds the rest of a refused body is read (and dropped) after the 413 is sent, before
# the connection is closed. Closing a socket with unread data makes the kernel reset the
# connection, and a client still sending (most send the whole body before reading) then
# loses the 413 it was sent and sees only the reset. Bounded: the body is not waited for.
LINGER_SECONDS = 2.0


def max_body_bytes(path: str) -> int:
    """The largest body a request to `path` may send."""
    if path == CONTACTS_IMPORT_PATH:
        return CONTACTS_IMPORT_MAX_BYTES
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return ADMIN_MAX_BYTES
    return WEBHOOK_MAX_BYTES


class BodyTooLarge(Exception):
    pass


def declared_length(scope: Scope) -> int | None:
    """Content-Length as sent, None when absent or not a number (the count decides)."""
    for name, value in scope["headers"]:
        if name == b"content-length":  # ASGI servers give header names in lower case
            return int(value) if value.isdigit() else None
    return None


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, None when the client left before sending it all."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app `body` in one message, then what the server says
    (the disconnect a streaming response listens for)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def refuse(limit: int, receive: Receive, send: Send) -> None:
    """413, then the connection closed (Connection: close makes uvicorn close it once the
    answer ends). The answer's bytes go out first, then for up to LINGER_SECONDS what
    the client still sends is read and dropped."""
    body = f"The request body is too large: at most {limit} bytes here.".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((name.lower().encode(), value.encode()) for name, value in HEADERS.items()),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": True})
    with suppress(TimeoutError):
        async with asyncio.timeout(LINGER_SECONDS):
            while (await receive()).get("more_body", False):
                pass
    await send({"type": "http.response.body", "body": b"", "more_body": False})


class BodyLimits:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_body_bytes(scope["path"])
        length = declared_length(scope)
        try:
            if length is not None and length > limit:
                raise BodyTooLarge
            body = await read_body(receive, limit)
        except BodyTooLarge:
            await refuse(limit, receive, send)
            return
        if body is None:
            return
        await self.app(scope, replaying(body, receive), send)
