"""What every attack in bench/attacks.py stands on: a real server on its own database,
provisioned as a small install is, and the clients an attacker uses against it.

Each attack gets a fresh server and database: one attack's leftovers (a throttled
address, a bloated worker, a server stopped by SIGTERM) must not decide the next one's.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.run import fresh_database
from voiceapp.accounts import admins
from voiceapp.conferencing import rooms
from voiceapp.core.db import database, migrate
from voiceapp.core.settings import Settings, load_settings
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.conferences import ACCOUNT_SID
from voiceapp.emulator.server import LiveServer, free_port, live_server, serve_command
from voiceapp.switchboard import conference_server, numbers

TOKEN = "attack-bench-auth-token-0123456789abcdef"  # noqa: S105 (a throwaway server's)
SECRET_KEY = "attack-bench-secret-key-0123456789abcdef-0123"  # noqa: S105 (same)
ADMIN = "admin"
ADMIN_PASSWORD = "attack bench password 0123"  # noqa: S105 (same)
NUMBER = "+33180000009"
OPEN_ROOM = "5555"  # no PIN
OPEN_ROOM_CAPACITY = 5
PIN_ROOM = "1234"
PIN = "4321"
MEDIA_FILE = "attack.wav"
# The limits the attacks are judged by, set rather than taken from the defaults, so a
# changed default does not silently change what "held" means.
LIMITS = {
    "VOICEAPP_LOGIN_MAX_FAILURES": "5",
    "VOICEAPP_LOGIN_MAX_FAILURES_PER_ADDRESS": "20",
    "VOICEAPP_PIN_MAX_FAILURES_PER_ROOM": "30",
    "VOICEAPP_PIN_MAX_FAILURES_PER_CALLER": "6",
}
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CARRIER_TIMEOUT = 15.0  # seconds the carrier waits for a webhook's answer


@dataclass
class Target:
    """The server under attack and what it was provisioned with."""

    server: LiveServer
    port: int
    database_url: str
    settings: Settings
    workers: int

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: uvicorn's workers, or the server itself
        when it runs one worker in its own process."""
        if self.workers == 1:
            return [self.server.process.pid]
        return self.server.child_pids()

    def carrier(self, client: httpx.AsyncClient) -> Carrier:
        """The carrier of this install's account, signing with its auth token."""
        return Carrier(client, self.base_url, TOKEN)


def write_media(media_dir: Path) -> None:
    """One second of silence: an audio file for /media to serve."""
    with wave.open(str(media_dir / MEDIA_FILE), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)


async def provision(settings: Settings) -> None:
    """The conference server on one number, an open room of 5, a room with a PIN, and an
    admin account."""
    await migrate(settings.database_url)
    async with database(settings.database_url):
        await conference_server.setup_bridge("800", "fr")
        await numbers.add_number(NUMBER, "800", "fr")
        await rooms.add_room(
            settings, name="Open", conference_id=OPEN_ROOM, capacity=OPEN_ROOM_CAPACITY
        )
        await rooms.add_room(settings, name="Guarded", conference_id=PIN_ROOM, pin=PIN)
        await admins.create_admin(ADMIN, ADMIN_PASSWORD)


@asynccontextmanager
async def attacked_server(args: argparse.Namespace) -> AsyncIterator[Target]:
    """`voiceapp serve` on a fresh database, stopped (and the database dropped) on the way
    out, whatever happened inside."""
    async with fresh_database(args.database, args) as database_url:
        with tempfile.TemporaryDirectory(prefix="voiceapp-attack-") as media:
            write_media(Path(media))
            port = free_port()
            env = {
                **LIMITS,
                "VOICEAPP_DATABASE_URL": database_url,
                "TWILIO_AUTH_TOKEN": TOKEN,
                "VOICEAPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "VOICEAPP_SECRET_KEY": SECRET_KEY,
                "VOICEAPP_MEDIA_DIR": media,
                "VOICEAPP_MEDIA_MODE": "say",
                "VOICEAPP_LOG_LEVEL": "WARNING",
            }
            settings = load_settings(env)
            await provision(settings)
            command = serve_command(port, args.workers)
            async with live_server(command, env, port) as server:
                yield Target(server, port, database_url, settings, args.workers)


def memory_mb(pid: int, field: str = "VmRSS") -> float | None:
    """A process's resident memory in MB, from /proc: now (VmRSS) or its peak so far
    (VmHWM); None once it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


class AdminBrowser:
    """An admin's browser: a session cookie, and each form posted with its CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def token(self, page: str) -> str:
        response = await self.client.get(page)
        found = CSRF_TOKEN.search(response.text)
        if found is None:
            raise RuntimeError(f"no CSRF token on {page} (HTTP {response.status_code})")
        return found.group(1)

    async def post(self, action: str, data: dict[str, str], token: str) -> httpx.Response:
        return await self.client.post(action, data={**data, "csrf_token": token})

    async def log_in(self, password: str = ADMIN_PASSWORD) -> httpx.Response:
        token = await self.token("/admin/login")
        return await self.post("/admin/login", {"username": ADMIN, "password": password}, token)


@asynccontextmanager
async def admin_browser(target: Target) -> AsyncIterator[AdminBrowser]:
    """A browser with no session yet."""
    async with httpx.AsyncClient(base_url=target.base_url, timeout=CARRIER_TIMEOUT) as client:
        yield AdminBrowser(client)


@asynccontextmanager
async def logged_in(target: Target) -> AsyncIterator[AdminBrowser]:
    async with admin_browser(target) as browser:
        answer = await browser.log_in()
        if answer.status_code != 303:
            raise RuntimeError(f"the admin could not log in: HTTP {answer.status_code}")
        yield browser


@asynccontextmanager
async def raw_connection(
    port: int,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A plain TCP connection to the server, for requests no HTTP client would send."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()


async def status_of(reader: asyncio.StreamReader) -> int | None:
    """The status code of the answer on `reader`, or None when the server closed the
    connection without one."""
    try:
        line = await reader.readline()
    except OSError:
        return None
    parts = line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


@dataclass(frozen=True)
class Row:
    """One line of the report: what was measured, the figure, the bar it had to clear.
    `held` is None when the attack itself could not be carried out."""

    attack: str
    measured: str
    figure: str
    threshold: str
    held: bool | None

    @property
    def verdict(self) -> str:
        return {True: "HELD", False: "BROKEN", None: "ERROR"}[self.held]


def call_params(call_sid: str, caller: str, status: str = "ringing") -> dict[str, str]:
    """The form the carrier posts for a call to this install's number."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": status,
        "Direction": "inbound",
        "From": caller,
        "To": NUMBER,
    }
