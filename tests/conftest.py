"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when
VOICEAPP_TEST_POSTGRES_URL is set), settings, and a carrier emulator wired to the app.

Migrating was most of the suite's set-up time (0.45 s a test on PostgreSQL), so each
backend is migrated once per run, into a template, and a test that wants a migrated
database gets a copy of it: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL. The templates are made afresh by every run, from the migrations of now.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from argon2 import PasswordHasher
from hypothesis import settings as settings_for_hypothesis

from voiceapp.accounts import admins
from voiceapp.conferencing import rooms
from voiceapp.core.db import forget_compiled_sql, migrate
from voiceapp.core.settings import Settings, load_settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.ivr_prompts.rendering import prompt_jobs
from voiceapp.media import hold_music
from voiceapp.media.render import render
from voiceapp.switchboard import conference_server, numbers

from .carrier_double import CarrierDouble, carrier_double
from .postgres_databases import COPY_PREFIX, BackgroundDatabases

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://voice.example.test"
FR_NUMBER = "+33180000001"
ES_NUMBER = "+34910000001"

POSTGRES_URL = os.environ.get("VOICEAPP_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]

# Hypothesis fails an example slower than 200 ms (its default deadline), which measures
# the machine rather than the code once examples go through the database and the suite
# shares the cores (.ci/run: pytest -n). A test may still set a deadline of its own.
settings_for_hypothesis.register_profile("voiceapp", deadline=None)
settings_for_hypothesis.load_profile("voiceapp")


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing() -> Iterator[None]:
    """Admin passwords hashed in this process with argon2id at its lowest cost: well
    under a millisecond, where the product's parameters take 0.1 s of both cores, for
    each of the hundreds of admins the tests make and log in. Hashing, checking and
    upgrading are argon2's own all the same; test_accounts.py checks the product's
    parameters, and the servers and commands the tests start hash as the product does."""
    product = admins._hasher
    admins._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    admins._hasher = product


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
    """Drop what runs that are gone left behind: their templates, and their tests'
    databases (made in a run's own process too, tests/postgres_databases.py)."""
    for row in await admin.fetch("SELECT datname FROM pg_database"):
        name: str = row["datname"]
        for prefix in (POSTGRES_TEMPLATE_PREFIX, COPY_PREFIX):
            pid = name.removeprefix(prefix).split("_")[0]
            ours = name.startswith(prefix) and pid.isdigit()
            if ours and process_is_gone(int(pid)):
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class DatabaseTemplates:
    """Each backend's database, migrated once per run when a test first needs it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sqlite_file: Path | None = None
        self.postgres_name: str | None = None  # set once its migrations all went in
        self.postgres_made: list[str] = []  # to drop at the end, migrated or not
        self._background: BackgroundDatabases | None = None

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

    def copy_sqlite_now(self, path: Path) -> str:
        """copy_sqlite, for a fixture outside any event loop (the command line's tests: the
        command runs its own): what `voiceapp migrate` makes, without its 1.5 s."""
        return asyncio.run(self.copy_sqlite(path))

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

    @asynccontextmanager
    async def postgres_database(self, *, migrated: bool) -> AsyncIterator[str]:
        """A PostgreSQL database of one test's own, its URL: a copy of the migrated
        template (made while the test before ran), or empty; dropped once the test is
        over, while the next one runs (tests/postgres_databases.py)."""
        if self._background is None:
            self._background = BackgroundDatabases(admin_dsn())
        if migrated:
            name = await self._background.copy_of(await self.postgres())
        else:
            name = await self._background.empty()
        try:
            yield with_database(POSTGRES_URL, name)
        finally:
            self._background.drop_later(name)

    def close(self) -> None:
        """Drop every database this run made: the tests' (waiting for the drops under
        way), then the template."""
        try:
            if self._background is not None:
                self._background.close()
        finally:
            asyncio.run(self.drop())

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
    templates.close()


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
    async with database_templates.postgres_database(migrated=migrated) as url:
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
    async with database_templates.postgres_database(migrated=migrated) as url:
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


@pytest.fixture
async def double() -> AsyncIterator[CarrierDouble]:
    """The carrier's REST API, as a test double on loopback (carrier_double.py)."""
    async with carrier_double() as running:
        yield running


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of this run's that every pytest-xdist worker of it shares (each worker's
    own temporary directory is a subdirectory of it); without xdist, the run's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def held_lock(path: Path) -> Iterator[None]:
    """`path` locked (flock) until the block ends: one worker at a time goes in."""
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def rendered_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every prompt and the hold music rendered (espeak-ng, sox) once for the whole run, by
    whichever xdist worker comes first (15 s of CPU): a fresh clone has no audio files,
    and tests must not depend on any. Each worker gets a copy of its own, as some tests
    point the app at it and the app may write there."""
    shared = run_directory(tmp_path_factory) / "rendered_media"
    with held_lock(shared.with_name("rendered_media.lock")):
        if not shared.is_dir():
            jobs = [*prompt_jobs(load_settings({})), hold_music.job()]
            # Rendered aside, then renamed: a directory that exists is a whole one.
            partial = shared.with_name("rendered_media.partial")
            shutil.rmtree(partial, ignore_errors=True)
            asyncio.run(render(jobs, partial))
            partial.rename(shared)
    media_dir = tmp_path_factory.mktemp("selfhost_media")
    shutil.copytree(shared, media_dir, dirs_exist_ok=True)
    return media_dir


# ---- in parallel (pytest-xdist, as .ci/run runs the suite) ---------------------------------

HEAVY_GROUP = "heavy"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked `heavy` (several server processes, a benchmark, a deadline or a
    count that depends on them having the machine's cores) all go to one xdist worker, one
    after the other (--dist loadgroup): two of them at once would each get half the cores
    they were written for. The other tests run beside them, on the other workers."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("heavy"):
            item.add_marker(pytest.mark.xdist_group(HEAVY_GROUP))


# The SMTP server of the mail tests (tests/mail_server.py), for every test module.
from tests.mail_server import mail_server, smtp_certificate  # noqa: E402, F401
