"""uvicorn's HTTP/1.1 connection with what it lacks: deadlines for a request's head and
body, a size limit for its head, and dropping uploads still in progress at shutdown.

uvicorn closes a connection idle between requests (timeout_keep_alive), but nothing closes
one that sends its request a byte at a time: its keep-alive timer stops at the first byte
and no other is started, so 600 such clients held 600 file descriptors for ever. Here:

- a request's head must be complete VOICEAPP_HEAD_TIMEOUT seconds after the connection
  opened (or, on a kept-alive connection, after the request's first bytes), else the
  connection is closed;
- its body must then be complete within VOICEAPP_BODY_TIMEOUT, else 408 and the
  connection is closed (the app, waiting for the body, sees the client gone);
- a head still incomplete after MAX_HEAD_BYTES is cut off: with httptools uvicorn keeps
  a head in memory however long it is (its h11_max_incomplete_event_size is h11's), and a
  50 MiB URL, sent well within the deadline, took a worker from 77 to 167 MB.

A deadline is armed only when a read leaves the head or the body incomplete: a carrier's
webhook arrives in one read, so it costs no timer. (An asyncio.timeout around each body
read in the app cost some 30 µs a request, a quarter of a webhook's time.)

On SIGTERM uvicorn stops accepting, closes idle connections and waits for the others: a
request whose answer is being made (an in-flight webhook) is answered, but an upload
stalled mid-body is waited for too: for ever by default, else until
timeout_graceful_shutdown cancels it with a traceback. Here a connection still receiving
its body is closed at once instead: the app sees the client gone (body_limits answers
nothing) and SIGTERM takes as long as the slowest in-flight answer.

Why a subclass given to uvicorn as Config(http=...), and what it relies on: the class
option is public and documented. The methods overridden are asyncio.Protocol's
(connection_made, connection_lost, data_received), httptools' parser callbacks
(on_message_begin, on_headers_complete, on_message_complete: httptools' documented
interface, which uvicorn implements under those names) and shutdown(), which uvicorn's
Server calls on each connection; each calls uvicorn's own. Of uvicorn's state only
`transport` and `cycle.response_started` (the request being answered has its answer
begun) are read. What could change under us is when uvicorn calls these, not their
names: tests/test_slow_clients.py runs the real server. The alternatives were worse: a
proxy in front is another process to run, and the app cannot see a head that never
completes (it is only called after it). The h11 protocol (uvicorn's fallback without
httptools) is not covered: httptools comes with uvicorn[standard], which voiceapp requires.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from voiceapp.core.settings import get_settings
from voiceapp.web.security_headers import HEADERS

log = logging.getLogger(__name__)

# A request head (request line and headers) a browser or a carrier sends is 1 to 8 KB;
# nginx's default buffers stop at 32 KB, h11's at 16 KiB.
MAX_HEAD_BYTES = 64 * 1024

Part = Literal["head", "body"]
# Every answer of ours carries them, this one written by hand included.
SECURITY_HEADER_LINES = b"".join(f"{name}: {value}\r\n".encode() for name, value in HEADERS.items())


def request_timeout(seconds: int) -> bytes:
    text = f"The request body did not arrive within {seconds} s.".encode()
    return (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: %d\r\nconnection: close\r\n%s\r\n%s"
        % (len(text), SECURITY_HEADER_LINES, text)
    )


class DeadlineHttpProtocol(HttpToolsProtocol):
    awaiting: Part | None = "head"  # what of a request the connection waits for
    deadline: asyncio.TimerHandle | None = None
    deadline_for: Part | None = None
    head_bytes = 0  # read while awaiting this head (all but the read that began it)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.keep_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self.drop_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.awaiting == "head":
            self.head_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        # After parsing: the same read may have ended the head (and carried its body).
        if self.awaiting == "head" and self.head_bytes > MAX_HEAD_BYTES:
            log.debug("closing a connection: request head over %d bytes", MAX_HEAD_BYTES)
            self.drop_deadline()
            self.transport.close()
            return
        self.keep_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.awaiting = "head"
        self.head_bytes = 0

    def on_headers_complete(self) -> None:
        self.awaiting = "body"
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.awaiting = None
        super().on_message_complete()

    def shutdown(self) -> None:
        if self.awaiting == "body":
            self.transport.close()
        else:
            super().shutdown()

    def keep_deadline(self) -> None:
        """A deadline for what the connection now waits for, armed once per wait: the
        head's from its first bytes (or the connection's opening), the body's from the
        end of the head."""
        if self.deadline_for == self.awaiting:
            return
        self.drop_deadline()
        if self.awaiting is None:
            return  # between requests: uvicorn's keep-alive timeout
        settings = get_settings()
        seconds = (
            settings.head_timeout_seconds
            if self.awaiting == "head"
            else settings.body_timeout_seconds
        )
        self.deadline = asyncio.get_running_loop().call_later(seconds, self.overdue)
        self.deadline_for = self.awaiting

    def drop_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = self.deadline_for = None

    def overdue(self) -> None:
        part, self.deadline, self.deadline_for = self.deadline_for, None, None
        log.debug("closing a connection: request %s not complete in time", part)
        # A late head is closed without an answer, as servers do. A late body is
        # answered 408 unless an answer has begun (a 413 reading the rest of its body).
        # (On a pipelined connection an answer still being made is lost too: pipelining
        # is not something a carrier or a browser does.)
        if part == "body" and self.cycle is not None and not self.cycle.response_started:
            self.transport.write(request_timeout(get_settings().body_timeout_seconds))
        self.transport.close()
