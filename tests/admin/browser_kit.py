"""The real server and Debian's Chromium, for tests that drive the admin pages as a person
would: `voiceapp serve` on a free port and its own SQLite file, and a headless browser
that never downloads anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.async_api import Page

from ..conftest import AUTH_TOKEN
from .conftest import PASSWORD, ROOT, SECRET_KEY, USERNAME, run_voiceapp

CHROMIUM = os.environ.get("VOICEAPP_CHROMIUM", "/usr/bin/chromium")
# Debian's chromium, never a downloaded one; no network chatter, no GPU, no sandbox (CI
# containers run as root).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DATABASE_FILE = "e2e.sqlite3"  # in the server's folder
DESKTOP = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]
    log: Path

    def output(self) -> str:
        """What the server printed so far (its log and stdout)."""
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = run_voiceapp(env, *args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


def server_env(folder: Path, port: int, *, configured: bool = True) -> dict[str, str]:
    """The environment of a server on `port` with its database in `folder`. Configured:
    the secrets set by hand, as in production; not configured: nothing set, as after the
    README's quick start (the server makes and keeps its own)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VOICEAPP_SECRET_KEY", "TWILIO_AUTH_TOKEN", "VOICEAPP_PUBLIC_URL")
    }
    env.update(
        VOICEAPP_DATABASE_URL=f"sqlite://{folder / DATABASE_FILE}",
        VOICEAPP_MEDIA_MODE="say",
        VOICEAPP_MEDIA_DIR=str(folder / "media"),
    )
    if configured:
        env.update(
            VOICEAPP_SECRET_KEY=SECRET_KEY,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            VOICEAPP_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
    return env


@contextmanager
def running_server(
    folder: Path,
    *,
    configured: bool = True,
    with_admin: bool = True,
    settings: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """`voiceapp serve` (uvicorn) on a free port and a fresh, migrated SQLite file, with
    `settings` added to its environment. The file is `voiceapp migrate`'s, unless one is
    in `folder` already (DATABASE_FILE: the `server` fixture copies the migrated
    template there, which is the same, 3 s sooner)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**server_env(folder, port, configured=configured), **(settings or {})}
    if not (folder / DATABASE_FILE).exists():
        run_cli(env, "migrate")
    if with_admin:
        run_cli(env, "admin", "create-user", USERNAME, "--password-stdin", stdin=PASSWORD + "\n")
    log_path = folder / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "voiceapp", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the server did not start in 30 s"
            time.sleep(0.2)
        yield Server(url, env, log_path)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


async def log_in(page: Page, server: Server) -> None:
    """Log in as the test admin in English, from the login page."""
    await page.goto(server.url + "/admin/login")
    await page.get_by_label("Username").fill(USERNAME)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(server.url + "/admin/conferences")


async def shot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
