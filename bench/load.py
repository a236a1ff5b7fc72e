"""Load generators for the benchmark: wrk when installed, else a small asyncio client.

Both replay the same pre-signed requests (one "signature<TAB>body" line each) over
keep-alive connections for a fixed time and report the same figures. wrk is preferred:
written in C, it leaves more of the machine to the server; the Python client needs a
core of its own and so understates the baseline more than the app.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).with_name("webhook.lua")
WRK_THREADS = 2


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers and socket errors
    dials: int  # answers holding <Dial>: seats actually reserved
    wrapped: bool  # the pre-signed requests ran out and were replayed

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


async def run_wrk(url: str, requests_file: Path, connections: int, seconds: float) -> Result:
    process = await asyncio.create_subprocess_exec(
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "15s",  # the carrier's own webhook timeout
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        str(requests_file),
        str(WRK_THREADS),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    summary = [line for line in out.decode().splitlines() if line.startswith("{")]
    if process.returncode != 0 or not summary:
        raise RuntimeError(f"wrk failed:\n{out.decode()}\n{err.decode()}")
    figures = json.loads(summary[-1])
    return Result(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        failures=figures["bad_status"] + figures["socket_errors"],
        dials=figures["dials"],
        wrapped=bool(figures["wrapped"]),
    )


def _raw_requests(url: str, lines: list[str]) -> list[bytes]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    raw = []
    for line in lines:
        signature, body = line.split("\t", 1)
        payload = body.encode()
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        raw.append(head.encode() + payload)
    return raw


@dataclass
class _Tally:
    latencies: list[float]
    failures: int = 0
    dials: int = 0
    sent: int = 0


async def _connection(
    host: str, port: int, requests: list[bytes], tally: _Tally, deadline: float
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            request = requests[tally.sent % len(requests)]
            tally.sent += 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for header in head.split(b"\r\n"):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":", 1)[1])
            body = await reader.readexactly(length)
            tally.latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 2"):
                tally.failures += 1
            elif b"<Dial" in body:
                tally.dials += 1
    finally:
        writer.close()


async def run_python(url: str, requests_file: Path, connections: int, seconds: float) -> Result:
    lines = await asyncio.to_thread(lambda: requests_file.read_text().splitlines())
    requests = _raw_requests(url, lines)
    parts = urlsplit(url)
    tally = _Tally(latencies=[])
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _connection(parts.hostname or "127.0.0.1", parts.port or 80, requests, tally, deadline)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    return Result(
        requests=len(tally.latencies),
        seconds=elapsed,
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        failures=tally.failures,
        dials=tally.dials,
        wrapped=tally.sent > len(requests),
    )


async def run_load(
    url: str, requests_file: Path, connections: int, seconds: float, *, tool: str
) -> Result:
    if tool == "wrk":
        return await run_wrk(url, requests_file, connections, seconds)
    return await run_python(url, requests_file, connections, seconds)
