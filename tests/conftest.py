"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when
VOICEAPP_TEST_POSTGRES_URL is set), settings, and a carrier emulator wired to the app."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from voiceapp import bridge, directory
from voiceapp.db import forget_compiled_sql, migrate
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.ivr_prompts.rendering import prompt_jobs
from voiceapp.media import hold_music
from voiceapp.media.render import render
from voiceapp.settings import Settings, load_settings

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://voice.example.test"
FR_NUMBER = "+33180000001"
ES_NUMBER = "+34910000001"

POSTGRES_URL = os.environ.get("VOICEAPP_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


# Where make_settings puts media (greetings, rendered prompts) unless a test says: a
# directory of the test's own, never the checkout's selfhost_media/ (the default).
_media_dir: Path | None = None


@pytest.fixture(autouse=True)
def media_outside_the_checkout(tmp_path: Path) -> None:
    global _media_dir
    _media_dir = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_query_cache() -> None:
    """Tortoise caches each model's INSERT/DELETE SQL by connection *name*, not dialect, so
    a SQLite test followed by a PostgreSQL one (both "default") would reuse SQLite's "?"
    placeholders. A real process has one backend; the suite switches, so it clears it."""
    forget_compiled_sql()


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the configured server, dropped afterwards."""
    name = f"voiceapp_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = POSTGRES_URL.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(POSTGRES_URL, name)
    finally:
        # FORCE: a server a test started (or killed) may still hold connections.
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """A fresh, empty database of each backend under test, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path}/voiceapp.sqlite3"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for tests that only make sense there (several workers)."""
    if not POSTGRES_URL:
        pytest.skip("VOICEAPP_TEST_POSTGRES_URL is not set")
    async with fresh_postgres_database() as url:
        yield url


def make_settings(database_url: str, **overrides: str) -> Settings:
    env = {
        "VOICEAPP_DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "VOICEAPP_PUBLIC_URL": PUBLIC_URL,
        "VOICEAPP_MEDIA_MODE": "say",
        # Tests change mappings and call at once; test_answers.py covers the cache itself.
        "VOICEAPP_DIRECTORY_CACHE_SECONDS": "0",
    }
    if _media_dir is not None:
        env["VOICEAPP_MEDIA_DIR"] = str(_media_dir)
    env.update(overrides)
    return load_settings(env)


@pytest.fixture
async def settings(database_url: str) -> Settings:
    await migrate(database_url)
    return make_settings(database_url)


@pytest.fixture
async def carrier(settings: Settings) -> AsyncIterator[Carrier]:
    """A carrier emulator talking to the app in-process; the ORM is live for seeding."""
    async with in_process_carrier(settings) as emulator:
        yield emulator


async def provision_conference(settings: Settings) -> None:
    """A bridge on 800 reached by a French and a Spanish number, with two rooms:
    1234 (PIN 4321) and 5555 (no PIN), both of the default capacity (10)."""
    await bridge.setup_bridge("800", "fr")
    await directory.add_number(FR_NUMBER, "800", "fr")
    await directory.add_number(ES_NUMBER, "800", "es")
    await bridge.add_room(settings, name="Ventes", conference_id="1234", pin="4321")
    await bridge.add_room(settings, name="Support", conference_id="5555")


@pytest.fixture
async def conference(carrier: Carrier, settings: Settings) -> Carrier:
    """The carrier, with `provision_conference`'s bridge, numbers and rooms in the database."""
    await provision_conference(settings)
    return carrier


@pytest.fixture(scope="session")
def rendered_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every prompt and the hold music rendered once (espeak-ng, sox) for the whole run:
    a fresh clone has no audio files, and tests must not depend on any."""
    media_dir = tmp_path_factory.mktemp("selfhost_media")
    jobs = [*prompt_jobs(load_settings({})), hold_music.job()]
    asyncio.run(render(jobs, media_dir))
    return media_dir
