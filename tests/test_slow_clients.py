"""A real `voiceapp serve` against slow clients and SIGTERM: connections that never finish
their request (too slow, or a head too large) are closed (http_protocol, body_limits),
and SIGTERM with uploads stalled stops the server at once while the webhooks in flight
are still answered."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import asyncpg
import httpx
import pytest

from voiceapp.core.db import database, migrate
from voiceapp.emulator.inprocess import remote_carrier
from voiceapp.emulator.server import LiveServer, free_port, live_server, serve_command

from .apology import is_apology
from .conftest import AUTH_TOKEN, FR_NUMBER, make_settings, provision_conference
from .process_memory import memory_kb, peak_restarted
from .test_workers import server_env

pytestmark = [pytest.mark.slow, pytest.mark.heavy]

HOST = "127.0.0.1"
DEADLINE = 1  # seconds: VOICEAPP_HEAD_TIMEOUT and VOICEAPP_BODY_TIMEOUT here
EVERY = 0.25  # seconds between two bytes of a slow client
CLOSED_WITHIN = DEADLINE + 5.0  # generous: the old server never closed them
SLOW_CLIENTS = 100
STALLED_UPLOADS = 5
SIGTERM_LIMIT = 10.0  # seconds the issue allows from SIGTERM to exit
HEAD = b"POST /voice/incoming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@asynccontextmanager
async def slow_deadlines_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    database_url = f"sqlite://{tmp_path}/voiceapp.sqlite3"
    await migrate(database_url)
    port = free_port()
    env = {
        **server_env(database_url, port),
        "VOICEAPP_HEAD_TIMEOUT": str(DEADLINE),
        "VOICEAPP_BODY_TIMEOUT": str(DEADLINE),
    }
    async with live_server(serve_command(port), env, port) as server:
        yield server


def port_of(server: LiveServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


async def until_closed(port: int, first: bytes, dribble: bytes) -> bytes:
    """Open a connection, send `first`, then `dribble` a byte every EVERY seconds until
    the server closes the connection; what the server sent. Fails when the connection is
    still open after CLOSED_WITHIN seconds."""
    reader, writer = await asyncio.open_connection(HOST, port)
    received = b""
    try:
        writer.write(first)
        for step in range(int(CLOSED_WITHIN / EVERY)):
            if step < len(dribble):
                writer.write(dribble[step : step + 1])
            try:
                data = await asyncio.wait_for(reader.read(4096), EVERY)
            except TimeoutError:
                continue
            except ConnectionError:
                return received
            if not data:
                return received
            received += data
        raise AssertionError(f"still open after {CLOSED_WITHIN:g} s, having received {received!r}")
    finally:
        writer.close()


async def health_while(clients: asyncio.Future[list[bytes]], base_url: str) -> list[int]:
    """GET /healthz on a new connection every half second until `clients` are done."""
    statuses = []
    async with httpx.AsyncClient(timeout=5.0) as client:
        for _ in range(int(CLOSED_WITHIN / 0.5) + 1):
            if clients.done():
                break
            response = await client.get(base_url + "/healthz", headers={"Connection": "close"})
            statuses.append(response.status_code)
            await asyncio.sleep(0.5)
    return statuses


async def test_connections_that_never_finish_their_head_are_closed(tmp_path: Path) -> None:
    async with slow_deadlines_server(tmp_path) as server:
        port = port_of(server)
        clients = asyncio.gather(
            *(until_closed(port, b"", HEAD) for _ in range(SLOW_CLIENTS)),
            until_closed(port, b"", b""),  # opens a connection and says nothing
            # Kept alive after one answer, then the next request's head a byte at a time.
            until_closed(port, HEALTHZ, HEAD),
        )
        health = await health_while(clients, server.base_url)
        received = await clients
    assert health and set(health) == {200}
    assert set(received[:-1]) == {b""}  # closed without an answer
    assert received[-1].startswith(b"HTTP/1.1 200 OK")  # the /healthz, and only that
    assert received[-1].count(b"HTTP/1.1") == 1


async def test_a_body_that_trickles_in_is_answered_408(tmp_path: Path) -> None:
    async with slow_deadlines_server(tmp_path) as server:
        received = await until_closed(port_of(server), HEAD, b"CallSid=CA" + b"0" * 90)
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in received.lower()


async def test_a_request_head_too_large_is_cut_off(tmp_path: Path) -> None:
    """Sent as fast as loopback goes, well within the head's deadline: the server stops
    reading long before 50 MiB, and keeps none of it."""
    database_url = f"sqlite://{tmp_path}/voiceapp.sqlite3"
    await migrate(database_url)
    port = free_port()
    async with live_server(serve_command(port), server_env(database_url, port), port) as server:
        before_kb = peak_restarted(server.process.pid)
        _, writer = await asyncio.open_connection(HOST, port)
        sent_mib = 0
        with suppress(ConnectionError):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ")
            async with asyncio.timeout(60):
                for _ in range(50):
                    writer.write(b"a" * 1024 * 1024)
                    await writer.drain()
                    sent_mib += 1
        writer.close()
        grown_kb = memory_kb(server.process.pid, "VmHWM") - before_kb
    assert sent_mib < 50, "the server read the whole 50 MiB head"
    assert grown_kb < 20 * 1024, f"the worker's peak memory grew by {grown_kb} kB"


async def stalled_upload(port: int) -> asyncio.StreamWriter:
    """A POST that announces 100 bytes of body and sends 10."""
    _, writer = await asyncio.open_connection(HOST, port)
    writer.write(HEAD + b"CallSid=CA")
    await writer.drain()
    return writer


async def terminate(server: LiveServer) -> float:
    """SIGTERM to `voiceapp serve`: the seconds until it exited (killed, with its
    workers, after SIGTERM_LIMIT + 5 s, and the test fails)."""
    workers = server.child_pids()
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(server.process.wait(), SIGTERM_LIMIT + 5)
    except TimeoutError:
        for pid in (server.process.pid, *workers):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await server.process.wait()
        pytest.fail(f"still running {SIGTERM_LIMIT + 5:g} s after SIGTERM")
    return time.monotonic() - started


async def test_sigterm_drops_stalled_uploads_and_exits(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path}/voiceapp.sqlite3"
    await migrate(database_url)
    port = free_port()
    async with live_server(serve_command(port), server_env(database_url, port), port) as server:
        stalled = [await stalled_upload(port) for _ in range(STALLED_UPLOADS)]
        # Every upload reached the server, which waits for the rest of its body.
        async with httpx.AsyncClient() as client:
            assert (await client.get(server.base_url + "/healthz")).status_code == 200
        took = await terminate(server)
        for writer in stalled:
            writer.close()
    assert took < SIGTERM_LIMIT
    assert "Traceback" not in server.log()


async def lock_waiters(admin: asyncpg.Connection, database_name: str) -> int:
    count: int = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        database_name,
    )
    return count


@pytest.mark.postgres
async def test_sigterm_with_workers_answers_the_webhook_in_flight(postgres_url: str) -> None:
    """Two workers; a call's first webhook is in flight (held on a table lock the test
    takes) and 5 uploads are stalled when SIGTERM comes: the webhook is still answered,
    and the server is gone within the limit."""
    settings = make_settings(postgres_url)
    await migrate(postgres_url)
    async with database(postgres_url):
        await provision_conference(settings)
    database_name = postgres_url.rsplit("/", 1)[1]
    port = free_port()
    holder = await asyncpg.connect(postgres_url.replace("postgres://", "postgresql://", 1))
    try:
        async with (
            live_server(serve_command(port, 2), server_env(postgres_url, port), port) as server,
            remote_carrier(server.base_url, AUTH_TOKEN) as carrier,
        ):
            stalled = [await stalled_upload(port) for _ in range(STALLED_UPLOADS)]
            lock = holder.transaction()
            await lock.start()
            # The number's lookup, the first thing POST /voice/incoming does, waits on it.
            await holder.execute("LOCK TABLE phone_number IN ACCESS EXCLUSIVE MODE")
            fields = {"CallSid": carrier.new_sid("CA"), "From": "+33612345678", "To": FR_NUMBER}
            webhook = asyncio.create_task(carrier.post(server.base_url + "/voice/incoming", fields))
            for _ in range(100):  # until the webhook waits on the lock: 10 s at most
                if await lock_waiters(holder, database_name) or webhook.done():
                    break
                await asyncio.sleep(0.1)
            assert await lock_waiters(holder, database_name) == 1, "no webhook in flight"
            terminating = asyncio.create_task(terminate(server))
            await asyncio.sleep(1.0)  # SIGTERM has reached the workers; the webhook waits
            await lock.rollback()
            took = await terminating
            answer = await webhook
            for writer in stalled:
                writer.close()
    finally:
        await holder.close()
    assert answer.status_code == 200
    assert "<Gather" in answer.text  # the number's greeting, not the apology
    assert took < SIGTERM_LIMIT
    assert "Traceback" not in server.log()


@pytest.mark.postgres
async def test_a_webhook_cut_off_by_shutdown_still_answers_the_apology(
    migrated_postgres_url: str,
) -> None:
    """The webhook in flight outlasts the shutdown's grace period: it is cancelled, and
    the caller still hears the apology (200, valid TwiML), never a 500."""
    settings = make_settings(migrated_postgres_url)
    async with database(migrated_postgres_url):
        await provision_conference(settings)
    database_name = migrated_postgres_url.rsplit("/", 1)[1]
    port = free_port()
    env = {
        **server_env(migrated_postgres_url, port),
        "VOICEAPP_SHUTDOWN_TIMEOUT": "1",
        "VOICEAPP_WEBHOOK_DEADLINE": "14",
    }
    holder = await asyncpg.connect(migrated_postgres_url.replace("postgres://", "postgresql://", 1))
    try:
        async with (
            live_server(serve_command(port), env, port) as server,
            remote_carrier(server.base_url, AUTH_TOKEN) as carrier,
        ):
            lock = holder.transaction()
            await lock.start()
            await holder.execute("LOCK TABLE phone_number IN ACCESS EXCLUSIVE MODE")
            fields = {"CallSid": carrier.new_sid("CA"), "From": "+33612345678", "To": FR_NUMBER}
            webhook = asyncio.create_task(carrier.post(server.base_url + "/voice/incoming", fields))
            for _ in range(100):
                if await lock_waiters(holder, database_name) or webhook.done():
                    break
                await asyncio.sleep(0.1)
            assert await lock_waiters(holder, database_name) == 1, "no webhook in flight"
            took = await terminate(server)  # the lock is held throughout
            answer = await webhook
            await lock.rollback()
    finally:
        await holder.close()
    assert answer.status_code == 200
    assert is_apology(answer.text, settings)
    assert took < SIGTERM_LIMIT
    assert "Traceback" not in server.log()
    assert "cut off by the server's shutdown" in server.log()
