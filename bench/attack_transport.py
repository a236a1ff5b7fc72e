"""Attacks on the server's edges, before any voiceapp code decides anything: a huge body,
connections that trickle their headers, and a shutdown with uploads stalled."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from contextlib import AsyncExitStack, suppress

import httpx

from bench.attack_setup import (
    CARRIER_TIMEOUT,
    Row,
    Target,
    call_params,
    memory_mb,
    raw_connection,
    status_of,
)

BODY_UNIT = b"%C3%A9"  # é, percent-encoded: 6 bytes that decode to 2, then to 1 character
CHUNK_BYTES = 1 << 20
MEMORY_LIMIT_MB = 50.0
PROMPT_SECONDS = 2.0  # "answered promptly": well inside the carrier's 15 s
SIGNED_PROBES = 8
SAMPLE_EVERY = 0.05
TRICKLE_EVERY = 2.0
HEALTH_EVERY = 1.0
SIGTERM_LIMIT = 10.0
STALLED_UPLOADS = 5
STALLED_LENGTH = 1000  # a declared body a carrier's form could have, under any sane cap
STALLED_SENT = 100


def request_head(port: int, method: str, path: str, length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if length is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def send_body(port: int, size: int, sent: asyncio.Event, deadline: float) -> int | None:
    """POST `size` bytes of BODY_UNIT, unsigned, to /voice/incoming; stop sending as soon
    as the server answers. Returns the answer's status (None: closed without one)."""
    body = BODY_UNIT * (size // len(BODY_UNIT))
    async with raw_connection(port) as (reader, writer):
        answer = asyncio.create_task(status_of(reader))
        try:
            writer.write(request_head(port, "POST", "/voice/incoming", len(body)))
            for start in range(0, len(body), CHUNK_BYTES):
                if answer.done():
                    break
                writer.write(body[start : start + CHUNK_BYTES])
                await writer.drain()
        except OSError:
            pass  # the server hung up on us mid-body; its answer, if any, is read below
        finally:
            sent.set()
        try:
            return await asyncio.wait_for(answer, max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            return None


async def signed_probe(target: Target, client: httpx.AsyncClient, number: int) -> float | None:
    """Seconds a signed webhook took to be answered (None: no 200 within the carrier's
    timeout)."""
    carrier = target.carrier(client)
    started = time.monotonic()
    try:
        answer = await carrier.post(
            target.base_url + "/voice/incoming",
            call_params(carrier.new_sid("CA"), f"+3364{number:07d}"),
        )
    except httpx.HTTPError:
        return None
    return time.monotonic() - started if answer.status_code == 200 else None


async def big_body(target: Target, args: argparse.Namespace) -> list[Row]:
    """One unsigned body of `--body-mb` MB of %C3%A9, and signed webhooks right behind it."""
    size = args.body_mb * 1_000_000
    pids = target.worker_pids()
    before = {pid: memory_mb(pid) or 0.0 for pid in pids}
    high_before = {pid: memory_mb(pid, "VmHWM") or 0.0 for pid in pids}
    peak = dict(before)
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], memory_mb(pid) or 0.0)
            await asyncio.sleep(SAMPLE_EVERY)

    sampler = asyncio.create_task(sample())
    sent = asyncio.Event()
    deadline = time.monotonic() + args.attack_timeout / 2
    upload = asyncio.create_task(send_body(target.port, size, sent, deadline))
    try:
        await sent.wait()
        async with httpx.AsyncClient(timeout=CARRIER_TIMEOUT) as client:
            waits = await asyncio.gather(
                *(signed_probe(target, client, n) for n in range(SIGNED_PROBES))
            )
        status = await upload
        await asyncio.sleep(0.5)  # the memory just after the answer, too
    finally:
        upload.cancel()
        done.set()
        await sampler
    for pid in pids:
        # A peak between two samples shows in the kernel's high-water mark, once that
        # has risen past where it stood before the attack.
        high = memory_mb(pid, "VmHWM") or 0.0
        if high > high_before[pid]:
            peak[pid] = max(peak[pid], high)
    worst = max(pids, key=lambda pid: peak[pid] - before[pid])
    growth = peak[worst] - before[worst]
    answered = [wait for wait in waits if wait is not None]
    slowest = max(answered, default=0.0)
    if len(answered) == len(waits):
        probe_figure = f"slowest {slowest:.2f} s of {len(waits)}"
    else:
        probe_figure = f"{len(waits) - len(answered)} of {len(waits)} unanswered in 15 s"
    mb = f"{args.body_mb} MB"
    return [
        Row(
            "big-body",
            f"worker memory, one unsigned {mb} body",
            f"+{growth:.0f} MB ({before[worst]:.0f} -> {peak[worst]:.0f} MB)",
            f"< +{MEMORY_LIMIT_MB:.0f} MB",
            growth < MEMORY_LIMIT_MB,
        ),
        Row(
            "big-body",
            f"signed webhooks sent right behind the {mb} body",
            probe_figure,
            f"all 200 within {PROMPT_SECONDS:g} s",
            len(answered) == len(waits) and slowest < PROMPT_SECONDS,
        ),
        Row(
            "big-body",
            f"the answer to the {mb} body",
            f"HTTP {status}" if status is not None else "closed without an answer",
            "413",
            status == 413,
        ),
    ]


async def trickle(port: int, until: float) -> bool:
    """A client sending one header byte every TRICKLE_EVERY seconds, never ending its
    headers. Returns whether the server still had the connection open at `until`."""
    try:
        async with raw_connection(port) as (reader, writer):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            while (left := until - time.monotonic()) > 0:
                writer.write(b"a")
                await writer.drain()
                with suppress(TimeoutError):
                    # Any answer (a 408, say) or the end of the stream: the server let go.
                    await asyncio.wait_for(reader.read(1024), min(TRICKLE_EVERY, left))
                    return False
            return True
    except OSError:
        return False  # refused or reset: not held open either


async def health_checks(base_url: str, until: float) -> list[float | None]:
    """GET /healthz every HEALTH_EVERY seconds until `until`: the seconds each took
    (None: no 200 within PROMPT_SECONDS)."""
    waits: list[float | None] = []
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            # A new connection each time, as a monitor would open.
            async with httpx.AsyncClient(timeout=PROMPT_SECONDS) as client:
                answer = await client.get(base_url + "/healthz")
            waits.append(time.monotonic() - started if answer.status_code == 200 else None)
        except httpx.HTTPError:
            waits.append(None)
        await asyncio.sleep(max(0.0, HEALTH_EVERY - (time.monotonic() - started)))
    return waits


async def slow_clients(target: Target, args: argparse.Namespace) -> list[Row]:
    until = time.monotonic() + args.slow_seconds
    held_open, waits = await asyncio.gather(
        asyncio.gather(*(trickle(target.port, until) for _ in range(args.slow_connections))),
        health_checks(target.base_url, until),
    )
    still_open = sum(held_open)
    answered = [wait for wait in waits if wait is not None]
    return [
        Row(
            "slow-clients",
            f"{args.slow_connections} connections sending a header byte every {TRICKLE_EVERY:g} s",
            f"{still_open} still open after {args.slow_seconds:g} s",
            "0 open",
            still_open == 0,
        ),
        Row(
            "slow-clients",
            "GET /healthz meanwhile, once a second",
            f"{len(answered)} of {len(waits)} answered, slowest {max(answered, default=0.0):.2f} s",
            f"all within {PROMPT_SECONDS:g} s",
            bool(waits) and len(answered) == len(waits),
        ),
    ]


async def sigterm(target: Target, args: argparse.Namespace) -> list[Row]:
    """SIGTERM while uploads are stalled halfway: how long until the server is gone."""
    process = target.server.process
    workers = target.server.child_pids()
    async with AsyncExitStack() as uploads:
        for _ in range(STALLED_UPLOADS):
            _, writer = await uploads.enter_async_context(raw_connection(target.port))
            head = request_head(target.port, "POST", "/voice/incoming", STALLED_LENGTH)
            writer.write(head + b"a=" + b"b" * (STALLED_SENT - 2))
            await writer.drain()
        await asyncio.sleep(1.0)  # the server is now waiting for the rest of each body
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), args.sigterm_wait)
            took: float | None = time.monotonic() - started
        except TimeoutError:
            took = None
            # The master first: a supervisor would replace workers killed before it.
            process.kill()
            await process.wait()
            for pid in workers:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    figure = (
        f"exited after {took:.1f} s"
        if took is not None
        else f"still running after {args.sigterm_wait:g} s (killed)"
    )
    return [
        Row(
            "sigterm",
            f"SIGTERM with {STALLED_UPLOADS} uploads stalled halfway",
            figure,
            f"exits within {SIGTERM_LIMIT:g} s",
            took is not None and took < SIGTERM_LIMIT,
        )
    ]
