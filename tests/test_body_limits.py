"""Request bodies are known to be small before anything reads them (body_limits): 413
past the route's limit, nothing when the client left. (A body too slow to arrive:
tests/test_slow_clients.py.)

In-process (the app's ASGI interface) except the last test, which sends 30 MB to a real
`voiceapp serve` and reads the worker's memory from /proc.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from voiceapp.app import create_app
from voiceapp.core.db import migrate
from voiceapp.core.settings import Settings
from voiceapp.emulator.server import free_port, live_server, serve_command
from voiceapp.web.security_headers import HEADERS
from voiceapp.webhooks.endpoint import read_form
from voiceapp.webhooks.signature import sign

from .conftest import AUTH_TOKEN, FR_NUMBER, make_settings
from .process_memory import memory_kb, peak_restarted
from .test_workers import server_env

Message = dict[str, Any]
# The limits as the README and `voiceapp serve --help` state them (body_limits).
WEBHOOK_MAX_BYTES = 64 * 1024
ADMIN_MAX_BYTES = 256 * 1024
# One percent-encoded "é": 6 bytes of body, the most a percent-decoder turns into work.
E_ACUTE = b"%C3%A9"


def unit_body(size: int) -> bytes:
    return (E_ACUTE * (size // len(E_ACUTE) + 1))[:size]


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def client_of(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def scope_for(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 40000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
    }


async def drive(
    app: Starlette, path: str, headers: list[tuple[bytes, bytes]], messages: list[Message]
) -> list[Message]:
    """Call the app at the ASGI level: `messages` are what the server receives, then the
    client is gone; returns what the app sent."""
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    async with asyncio.timeout(10):
        await app(scope_for(path, headers), receive, send)
    return sent


async def test_a_webhook_body_over_the_limit_is_refused_before_it_is_read(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with served(settings) as app, client_of(app) as client:
        answer = await client.post(
            "/voice/incoming",
            content=unit_body(WEBHOOK_MAX_BYTES + 1),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    assert str(WEBHOOK_MAX_BYTES) in answer.text
    # The webhook never ran: it would have refused the unsigned form (403) and said so.
    assert "refused request" not in caplog.text


async def test_a_chunked_body_is_cut_at_the_limit(settings: Settings) -> None:
    """No Content-Length to go by: the bytes are counted as they come, and the sender is
    answered 413 without the rest being read."""

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(100):  # 6 MB
            yield unit_body(60_000)

    async with served(settings) as app, client_of(app) as client:
        answer = await client.post("/voice/incoming", content=pieces())
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"


async def test_a_body_under_the_limit_reaches_the_webhook(settings: Settings) -> None:
    url = settings.public_url + "/voice/incoming"
    fields = {"CallSid": "CA" + "1" * 32, "From": "+33612345678", "To": FR_NUMBER}
    fields["Padding"] = "x" * (WEBHOOK_MAX_BYTES - 200)  # a form near the limit, still signed
    async with served(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            answer = await client.post(
                url, data=fields, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, fields)}
            )
    assert answer.status_code == 200
    assert answer.text.startswith("<?xml")


async def test_admin_forms_have_their_own_larger_limit(database_url: str) -> None:
    settings = make_settings(database_url, VOICEAPP_SECRET_KEY="k" * 32)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with served(settings) as app, client_of(app) as client:
        larger_than_a_webhook = await client.post(
            "/admin/login", content=b"a=" + b"b" * (WEBHOOK_MAX_BYTES * 2), headers=form
        )
        too_large = await client.post(
            "/admin/login", content=b"a=" + b"b" * ADMIN_MAX_BYTES, headers=form
        )
    assert larger_than_a_webhook.status_code != 413  # the login page's own answer
    assert too_large.status_code == 413
    assert too_large.headers["connection"] == "close"
    # Refused before the admin pages see it, yet with their protective headers.
    assert {name: too_large.headers.get(name) for name in HEADERS} == HEADERS


async def test_a_client_that_leaves_mid_body_gets_nothing_and_logs_nothing(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with served(settings) as app:
        sent = await drive(
            app,
            "/voice/incoming",
            [(b"content-length", b"100")],
            [
                {"type": "http.request", "body": b"CallSid=CA1", "more_body": True},
                {"type": "http.disconnect"},
            ],
        )
    assert sent == []  # nobody to answer; not a 500, not the apology
    assert not [record for record in caplog.records if record.exc_info]
    assert not [record for record in caplog.records if record.name.startswith("voiceapp.webhooks")]


async def test_read_form_reads_no_further_than_a_webhook_can_be() -> None:
    """Even where the webhooks are mounted without BodyLimits."""
    chunks = [unit_body(WEBHOOK_MAX_BYTES // 2)] * 4
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < 4}

    request = Request(scope_for("/voice/incoming", []), receive)
    with pytest.raises(HTTPException) as refused:
        await read_form(request)
    assert refused.value.status_code == 413
    assert pulled == 3  # the third half-limit chunk passed the limit: nothing more read


MiB = 1024 * 1024
BIG_BODY = 30 * MiB
SEND_PIECE = unit_body(MiB)
CARRIER_TIMEOUT = 15.0  # seconds the carrier waits for a webhook's answer


async def status_line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readline()
    except ConnectionError:
        return b""


async def send_big_body(port: int, chunked: bool, sending: asyncio.Event) -> bytes:
    """POST 30 MiB of %C3%A9, unsigned, reading the answer as it comes; its status line.
    `sending` is set once the first MiB is out."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % BIG_BODY
    writer.write(
        b"POST /voice/incoming HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n" + framing + b"\r\n\r\n"
    )
    answer = asyncio.create_task(status_line(reader))
    try:
        for _ in range(BIG_BODY // MiB):
            if answer.done():
                break
            writer.write(b"%x\r\n%s\r\n" % (MiB, SEND_PIECE) if chunked else SEND_PIECE)
            await writer.drain()
            sending.set()
    except ConnectionError:
        pass  # the server closed the connection; its answer came first
    finally:
        sending.set()
    try:
        async with asyncio.timeout(60):
            return await answer
    finally:
        writer.close()


async def signed_webhook(base_url: str, n: int) -> httpx.Response:
    url = base_url + "/voice/incoming"
    fields = {"CallSid": f"CA{n:032d}", "From": "+33612345678", "To": FR_NUMBER}
    async with httpx.AsyncClient(timeout=CARRIER_TIMEOUT) as client:
        return await client.post(
            url, data=fields, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, fields)}
        )


@pytest.mark.slow
@pytest.mark.heavy
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_30_mb_body_leaves_the_worker_and_its_webhooks_alone(
    tmp_path: Path, chunked: bool
) -> None:
    database_url = f"sqlite://{tmp_path}/voiceapp.sqlite3"  # the database plays no part
    await migrate(database_url)
    port = free_port()
    async with live_server(serve_command(port), server_env(database_url, port), port) as server:
        pid = server.process.pid  # one worker: uvicorn serves in the process itself
        assert (await signed_webhook(server.base_url, 0)).status_code == 200  # warm
        before_kb = memory_kb(pid, "VmRSS")
        peak_restarted(pid)
        sending = asyncio.Event()
        big = asyncio.create_task(send_big_body(port, chunked, sending))
        await sending.wait()
        alongside = await signed_webhook(server.base_url, 1)
        status = await big
        grown_kb = memory_kb(pid, "VmHWM") - before_kb
    assert grown_kb < 50 * 1024, f"the worker's peak memory grew by {grown_kb} kB"
    assert status.startswith(b"HTTP/1.1 413"), status
    assert alongside.status_code == 200  # within the carrier's timeout (httpx's)
    assert "Traceback" not in server.log()
