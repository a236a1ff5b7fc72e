"""Admin page fixtures: an app with the admin pages on, an HTTP client, a logged-in admin."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.async_api import Browser as PlaywrightBrowser
from playwright.async_api import async_playwright

from voiceapp.accounts import admins
from voiceapp.app import create_app
from voiceapp.core.settings import Settings
from voiceapp.emulator.recordings import write_recording

from ..carrier_double import ACCOUNT_SID, RECORDING_SID, CarrierDouble
from ..conftest import PUBLIC_URL, make_settings

if TYPE_CHECKING:
    from .browser_kit import Server

SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"
USERNAME = "alice"
PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ROOT = Path(__file__).resolve().parents[2]


def run_python(
    env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """This checkout's Python in a child process, `python ARGS...`, its output kept."""
    return subprocess.run(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def run_voiceapp(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The `voiceapp` command of this checkout, in a child process."""
    return run_python(env, "-m", "voiceapp", *args, stdin=stdin)


def admin_settings(database_url: str, **overrides: str) -> Settings:
    return make_settings(database_url, VOICEAPP_SECRET_KEY=SECRET_KEY, **overrides)


@dataclass
class Browser:
    """An HTTP client used as a person would: forms are fetched before they are posted."""

    client: httpx.AsyncClient

    async def get(self, path: str, **kwargs: object) -> httpx.Response:
        return await self.client.get(path, **kwargs)  # type: ignore[arg-type]

    async def token(self, page: str) -> str:
        response = await self.client.get(page)
        found = TOKEN.search(response.text)
        assert found is not None, f"no CSRF token on {page} ({response.status_code})"
        return found.group(1)

    async def submit(
        self, page: str, action: str, data: dict[str, str | list[str]]
    ) -> httpx.Response:
        """Open `page`, then post `data` to `action` with the page's CSRF token."""
        token = await self.token(page)
        return await self.client.post(action, data={**data, "csrf_token": token})

    async def log_in(self, username: str = USERNAME, password: str = PASSWORD) -> httpx.Response:
        return await self.submit(
            "/admin/login", "/admin/login", {"username": username, "password": password}
        )


@asynccontextmanager
async def open_browser(settings: Settings) -> AsyncIterator[Browser]:
    """A browser on its own app (a worker) of `settings`' database, closed on the way out
    even when a test fails inside it."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
    ):
        yield Browser(client)


@pytest.fixture
def site_settings(settings: Settings) -> Settings:
    """The migrated test database, with the admin pages on."""
    return admin_settings(settings.database_url)


@pytest.fixture
async def visitor(site_settings: Settings) -> AsyncIterator[Browser]:
    """Someone with a browser and no session; an admin account exists."""
    async with open_browser(site_settings) as browser:
        await admins.create_admin(USERNAME, PASSWORD)
        yield browser


@pytest.fixture
async def admin(visitor: Browser) -> Browser:
    """A logged-in admin."""
    response = await visitor.log_in()
    assert response.status_code == 303
    return visitor


def field_error(page: str, field_id: str) -> str:
    """The error shown beside the field with this id ("" when none)."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error"[^>]*>([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


def field_value(page: str, field_id: str) -> str | None:
    """The value an <input> with this id shows."""
    found = re.search(rf'<input id="{re.escape(field_id)}"[^>]*?value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def banner(page: str) -> str:
    """The error that belongs to no field, as the error summary at the top lists it."""
    found = re.search(r'<li class="error-general">([^<]*)</li>', page)
    return html.unescape(found.group(1)) if found else ""


def notices(page: str) -> list[str]:
    return [
        html.unescape(n) for n in re.findall(r'<p class="notice" role="status">([^<]*)</p>', page)
    ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """`voiceapp serve` on a free port and a fresh SQLite file, configured by hand, with
    one admin (USERNAME, PASSWORD)."""
    from .browser_kit import running_server  # it imports this module

    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
async def chromium() -> AsyncIterator[PlaywrightBrowser]:
    from .browser_kit import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where to keep full-page screenshots to look at: VOICEAPP_E2E_SCREENSHOTS when set."""
    folder = Path(os.environ.get("VOICEAPP_E2E_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@asynccontextmanager
async def admin_with_carrier_at(settings: Settings, api_url: str) -> AsyncIterator[Browser]:
    """A logged-in admin on an app whose carrier account's REST API is at `api_url`."""
    configured = admin_settings(
        settings.database_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID, VOICEAPP_CARRIER_API_URL=api_url
    )
    async with open_browser(configured) as browser:
        await admins.create_admin(USERNAME, PASSWORD)
        assert (await browser.log_in()).status_code == 303
        yield browser


@pytest.fixture
async def carrier_admin(settings: Settings, double: CarrierDouble) -> AsyncIterator[Browser]:
    """A logged-in admin on an app with a carrier account at the double."""
    async with admin_with_carrier_at(settings, double.base_url) as browser:
        yield browser


@pytest.fixture
def wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """RECORDING_SID's audio, as the double serves it: 2 s of a real WAV."""
    return write_recording(tmp_path_factory.mktemp("carrier"), RECORDING_SID, 2).read_bytes()


async def streams_with_ranges(browser: Browser, url: str, audio: bytes) -> None:
    """`url` (a page's player source) streams `audio` whole, or the byte range asked for,
    never cached; a range past its end is a 416."""
    whole = await browser.get(url)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["cache-control"] == "no-store"
    assert whole.content == audio
    part = await browser.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(audio)}"
    assert part.content == audio[100:200]
    past = await browser.get(url, headers={"Range": f"bytes={len(audio)}-"})
    assert past.status_code == 416
