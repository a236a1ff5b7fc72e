"""The real server and Debian's Chromium, for tests that drive the admin pages as a person
would: `voiceapp serve` on a free port and its own SQLite file, and a headless browser
that never downloads anything."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.async_api import Page

from ..conftest import AUTH_TOKEN
from .conftest import PASSWORD, ROOT, SECRET_KEY, USERNAME, run_python, run_voiceapp

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


# Play the first player of the list `selector` names (the Voicemail page's #messages, the
# Recordings page's #recordings), muted so that no user gesture is needed, and report what
# the element knows once its metadata is in, or why it failed.
PLAY_FIRST = """async (selector) => {
  const audio = document.querySelector(selector + " audio");
  audio.muted = true;
  const loaded = new Promise((resolve) => {
    if (audio.readyState >= 1) resolve();
    audio.addEventListener("loadedmetadata", resolve, { once: true });
    audio.addEventListener("error", resolve, { once: true });
  });
  try { await audio.play(); } catch (error) { /* the error event says why */ }
  await loaded;
  return {
    readyState: audio.readyState,
    duration: audio.duration,
    error: audio.error ? audio.error.code : null,
  };
}"""


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


@dataclass(frozen=True)
class Command:
    """One `voiceapp` command line, and what it reads on its standard input."""

    args: tuple[str, ...]
    stdin: str = ""


def cli(*args: str, stdin: str = "") -> Command:
    return Command(args, stdin)


# Runs several commands in one process: each `python -m voiceapp` costs 1.5 s of starting
# Python and importing the app, which the commands would otherwise pay one by one.
_BATCH = """
import io, json, sys
from voiceapp.cli import main
for args, stdin in json.loads(sys.argv[1]):
    sys.stdin = io.StringIO(stdin)
    code = main(args)
    if code:
        sys.exit(f"voiceapp {' '.join(args)}: exit {code}")
"""


def run_commands(env: dict[str, str], commands: Sequence[Command]) -> None:
    """`commands`, in order, in one child process; the first that fails fails the test."""
    batch = json.dumps([[list(command.args), command.stdin] for command in commands])
    done = run_python(env, "-c", _BATCH, batch, timeout=120)
    assert done.returncode == 0, done.stderr


# The server databases made so far in this process, by what was done to them: made once
# (migrate and the commands), then copied for each server, in milliseconds.
_made: dict[tuple[Command, ...], Path] = {}
_made_in = Path(tempfile.mkdtemp(prefix="voiceapp-server-databases-"))
atexit.register(shutil.rmtree, _made_in, ignore_errors=True)


def database_for_server(folder: Path, env: dict[str, str], commands: Sequence[Command]) -> None:
    """Put in `folder` a migrated SQLite database on which `commands` have run, made the
    first time by `voiceapp migrate` and those commands, copied afterwards."""
    key = tuple(commands)
    made = _made.get(key)
    if made is None:
        made = Path(tempfile.mkdtemp(dir=_made_in)) / DATABASE_FILE
        at_made = {**env, "VOICEAPP_DATABASE_URL": f"sqlite://{made}"}
        run_commands(at_made, [cli("migrate"), *commands])
        # Whatever a commit left in the -wal file is in the database file only once
        # checkpointed, and only that file is copied.
        db = sqlite3.connect(made)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        _made[key] = made
    shutil.copyfile(made, folder / DATABASE_FILE)


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
    commands: Sequence[Command] = (),
) -> Iterator[Server]:
    """`voiceapp serve` (uvicorn) on a free port and a fresh, migrated SQLite file, with
    `settings` added to its environment: the test admin in it (`with_admin`), and what
    `commands` (`voiceapp` command lines) add, all made once per process and copied
    (database_for_server)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**server_env(folder, port, configured=configured), **(settings or {})}
    admin = [cli("admin", "create-user", USERNAME, "--password-stdin", stdin=PASSWORD + "\n")]
    database_for_server(folder, env, [*(admin if with_admin else []), *commands])
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
