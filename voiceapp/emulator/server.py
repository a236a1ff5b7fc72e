"""A real voiceapp server in a child process, for the emulator to call over HTTP.

The multi-worker tests and the benchmark need what a deployment runs (uvicorn, its worker
processes, the database over the network), not the app mounted in-process. The child
imports voiceapp from the same source tree as this process, so a checkout under test
serves its own code even when another copy is installed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

import voiceapp

SOURCE_ROOT = Path(voiceapp.__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(port: int, workers: int = 1) -> list[str]:
    """`voiceapp serve` on loopback, as the procfile runs it."""
    return [
        sys.executable,
        "-m",
        "voiceapp",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


@dataclass
class LiveServer:
    base_url: str
    process: asyncio.subprocess.Process
    log_path: Path
    # What the server printed, kept once it has stopped and its log file is gone.
    final_log: str | None = None

    def log(self) -> str:
        if self.final_log is not None:
            return self.final_log
        return self.log_path.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        """The server's direct child processes (uvicorn's workers), read from /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):  # the process ended while we looked
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    merged = {**os.environ, **env}
    merged["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(SOURCE_ROOT), merged.get("PYTHONPATH", "")) if part
    )
    return merged


async def _wait_ready(server: LiveServer, ready_path: str) -> None:
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if server.process.returncode is not None:
                raise RuntimeError(f"server exited at start:\n{server.log()[-4000:]}")
            try:
                await client.get(server.base_url + ready_path)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    # SIGINT is uvicorn's graceful shutdown: the master stops its workers before exiting.
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()


@asynccontextmanager
async def live_server(
    command: Sequence[str],
    env: Mapping[str, str],
    port: int,
    *,
    ready_path: str = "/healthz",
    start_within: float = START_TIMEOUT,
) -> AsyncIterator[LiveServer]:
    """Run `command` (a server listening on 127.0.0.1:`port`) until the block ends."""
    with tempfile.NamedTemporaryFile(prefix="voiceapp-server-", suffix=".log") as log_file:
        # A file, not a pipe: an unread pipe fills up and blocks a chatty server.
        process = await asyncio.create_subprocess_exec(
            *command,
            env=child_environment(env),
            cwd=SOURCE_ROOT,
            stdout=log_file,
            stderr=log_file,
        )
        server = LiveServer(f"http://127.0.0.1:{port}", process, Path(log_file.name))
        try:
            try:
                async with asyncio.timeout(start_within):
                    await _wait_ready(server, ready_path)
            except TimeoutError:
                raise RuntimeError(
                    f"server not answering after {start_within:.0f} s:\n{server.log()[-4000:]}"
                ) from None
            yield server
        finally:
            await _stop(process)
            server.final_log = server.log()
