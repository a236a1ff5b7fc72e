"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when
VOICEAPP_TEST_POSTGRES_URL is set), settings, and a carrier emulator wired to the app.

Migrating was most of the suite's set-up time (0.45 s a test on PostgreSQL), so each
backend is migrated once per run, into a template, and a test that wants a migrated
database gets a copy of it: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL. The templates are made afresh by every run, from the migrations of now.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.db import forget_compiled_sql, migrate
from voiceapp.core.settings import Settings, load_settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.ivr_prompts.rendering import prompt_jobs
from voiceapp.media import hold_music
from voiceapp.media.render import render
from voiceapp.switchboard import conference_server, numbers

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


def admin_dsn() -> str:
    """The configured server's own database, for CREATE and DROP DATABASE."""
    return POSTGRES_URL.replace("postgres://", "postgresql://", 1)


@asynccontextmanager
async def fresh_postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """A new PostgreSQL database on the configured server, dropped afterwards: empty, or a
    copy of the database `template`."""
    name = f"voiceapp_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn())
    try:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
        yield with_database(POSTGRES_URL, name)
    finally:
        # FORCE: a server a test started (or killed) may still hold connections.
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# A run's PostgreSQL template is named after its process, so that the next run can tell a
# template left by a killed run (its process is gone) from one a run beside it is using.
POSTGRES_TEMPLATE_PREFIX = "voiceapp_test_template_"


def process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, as another user's
        return False
    return False


async def drop_templates_of_killed_runs(admin: asyncpg.Connection) -> None:
    for row in await admin.fetch("SELECT datname FROM pg_database"):
        name: str = row["datname"]
        pid = name.removeprefix(POSTGRES_TEMPLATE_PREFIX).split("_")[0]
        ours = name.startswith(POSTGRES_TEMPLATE_PREFIX) and pid.isdigit()
        if ours and process_is_gone(int(pid)):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class DatabaseTemplates:
    """Each backend's database, migrated once per run when a test first needs it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sqlite_file: Path | None = None
        self.postgres_name: str | None = None  # set once its migrations all went in
        self.postgres_made: list[str] = []  # to drop at the end, migrated or not

    async def copy_sqlite(self, path: Path) -> str:
        """A migrated SQLite database at `path` (which must not exist yet); its URL."""
        if self.sqlite_file is None:
            template = self.directory / "template.sqlite3"
            await migrate(f"sqlite://{template}")
            # Migrating leaves WAL mode on; what a commit left in the -wal file is only in
            # the database file once checkpointed, and only that file is copied.
            db = sqlite3.connect(template)
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                db.close()  # the last connection out deletes the -wal and -shm files
            assert not template.with_name(template.name + "-wal").exists()
            self.sqlite_file = template
        shutil.copyfile(self.sqlite_file, path)
        return f"sqlite://{path}"

    async def postgres(self) -> str:
        """The name of the migrated PostgreSQL template database."""
        if self.postgres_name is None:
            name = f"{POSTGRES_TEMPLATE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(admin_dsn())
            try:
                await drop_templates_of_killed_runs(admin)
                await admin.execute(f'CREATE DATABASE "{name}"')
                self.postgres_made.append(name)
                await migrate(with_database(POSTGRES_URL, name))
                # CREATE DATABASE ... TEMPLATE fails while anyone is connected to the
                # template: from now on, nobody can be.
                await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            finally:
                await admin.close()
            self.postgres_name = name
        return self.postgres_name

    async def drop(self) -> None:
        if not self.postgres_made:
            return
        admin = await asyncpg.connect(admin_dsn())
        try:
            for name in self.postgres_made:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    asyncio.run(templates.drop())


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_templates: DatabaseTemplates
) -> AsyncIterator[str]:
    """A fresh database of each backend under test, dropped afterwards: empty, unless the
    test also asks for `migrated_database_url` (as `settings` does). Then this is that
    same database, made as a copy of the migrated template, so both names reach the
    same rows."""
    migrated = "migrated_database_url" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "voiceapp.sqlite3"
        if migrated:
            yield await database_templates.copy_sqlite(path)
        else:
            yield f"sqlite://{path}"
        return
    template = await database_templates.postgres() if migrated else None
    async with fresh_postgres_database(template) as url:
        yield url


@pytest.fixture
def migrated_database_url(database_url: str) -> str:
    """The test's `database_url`, with every migration applied (what `voiceapp migrate`
    makes): database_url sees this fixture among the test's and copies the template."""
    return database_url


@pytest.fixture
async def postgres_url(
    request: pytest.FixtureRequest, database_templates: DatabaseTemplates
) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for tests that only make sense there (several workers):
    empty, unless the test also asks for `migrated_postgres_url` (then it is that one)."""
    if not POSTGRES_URL:
        pytest.skip("VOICEAPP_TEST_POSTGRES_URL is not set")
    migrated = "migrated_postgres_url" in request.fixturenames
    template = await database_templates.postgres() if migrated else None
    async with fresh_postgres_database(template) as url:
        yield url


@pytest.fixture
def migrated_postgres_url(postgres_url: str) -> str:
    """The test's `postgres_url`, with every migration applied (a copy of the template)."""
    return postgres_url


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
def settings(migrated_database_url: str) -> Settings:
    return make_settings(migrated_database_url)


@pytest.fixture
async def carrier(settings: Settings) -> AsyncIterator[Carrier]:
    """A carrier emulator talking to the app in-process; the ORM is live for seeding."""
    async with in_process_carrier(settings) as emulator:
        yield emulator


async def provision_conference(settings: Settings) -> None:
    """A bridge on 800 reached by a French and a Spanish number, with two rooms:
    1234 (PIN 4321) and 5555 (no PIN), both of the default capacity (10)."""
    await conference_server.setup_bridge("800", "fr")
    await numbers.add_number(FR_NUMBER, "800", "fr")
    await numbers.add_number(ES_NUMBER, "800", "es")
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321")
    await rooms.add_room(settings, name="Support", conference_id="5555")


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


# The SMTP server of the mail tests (tests/mail_server.py), for every test module.
from tests.mail_server import mail_server, smtp_certificate  # noqa: E402, F401
