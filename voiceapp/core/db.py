"""Database configuration and the few helpers the CLI and app share.

The app registers Tortoise in its lifespan (RegisterTortoise); the CLI opens a
short-lived connection with `database()`.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import connections, get_connection
from tortoise.migrations.api import migrate as run_migrate
from tortoise.migrations.executor import MigrationExecutor

from voiceapp.core.errors import VoiceappError
from voiceapp.core.sqlite_inline import close_inline_connections

APP_LABEL = "voiceapp"
MODELS_MODULE = "voiceapp.core.models"
MIGRATIONS_MODULE = "voiceapp.migrations"


class NotMigrated(VoiceappError):
    """The database lacks migrations this code needs."""


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A PostgreSQL connection that skips asyncpg's reset query when it goes back to the
    pool. That query (unlock advisory locks, close cursors, UNLISTEN, RESET ALL) is one
    more round trip per ORM query, about a third of a short query's cost here, and
    voiceapp keeps no session state to reset: no SET, LISTEN, cursors or advisory locks.
    An open transaction is still rolled back on release: asyncpg does that apart.
    """

    def get_reset_query(self) -> str:
        return ""


# The database's word that the connection itself went away (a server restart, an ended
# session, a dropped network), as opposed to an answer about the query: the same work on
# a fresh connection may well succeed.
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)


def is_connection_lost(error: BaseException) -> bool:
    """Whether `error`, or what caused it (the ORM wraps the driver's errors), says the
    database connection was lost."""
    seen: BaseException | None = error
    for _ in range(10):  # a chain of causes is short; never follow a loop
        if seen is None:
            return False
        if isinstance(seen, CONNECTION_LOST):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# Tortoise's SQLite client, with its lock let go when the file cannot be opened.
SQLITE_ENGINE = "voiceapp.core.sqlite_engine"

# What every SQLite connection is set to, unless the URL says otherwise.
SQLITE_PRAGMAS = {
    # Tortoise already puts SQLite in WAL mode; there, synchronous=NORMAL is the usual
    # server setting: no corruption, no fsync per commit (a write costs 0.26 ms instead
    # of 0.63 here), and only the last commits can be lost to a power cut, not a crash.
    "synchronous": "NORMAL",
    # How large the WAL file may stay once a checkpoint has emptied it. Tortoise's 16 KiB
    # makes SQLite cut the file back after every checkpoint, and the commits after it
    # grow it again, block by block: that doubled the cost of a seat's commit (38 µs
    # against 20, bench). The WAL between two checkpoints (sqlite_inline) is about 15 MiB.
    "journal_size_limit": str(64 * 1024 * 1024),
}


def sqlite_file(database_url: str) -> Path | None:
    """The file of an sqlite:// URL (None for another database or an in-memory one)."""
    if not database_url.startswith("sqlite:"):
        return None
    path = str(expand_db_url(database_url)["credentials"]["file_path"])
    return None if path == ":memory:" else Path(path)


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for a database URL (sqlite:// or postgres://)."""
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    if url.startswith("sqlite:"):
        for pragma, value in SQLITE_PRAGMAS.items():
            if f"{pragma}=" not in url:  # the URL's own setting wins
                url += ("&" if "?" in url else "?") + f"{pragma}={value}"
    connection: str | dict[str, Any] = url
    if url.startswith("postgres://"):
        connection = expand_db_url(url)
        connection["credentials"]["connection_class"] = PooledConnection
    elif url.startswith("sqlite:"):
        connection = expand_db_url(url)
        connection["engine"] = SQLITE_ENGINE
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the `tortoise` command (makemigrations): `tortoise -c voiceapp.core.db.TORTOISE_ORM ...`.
TORTOISE_ORM = tortoise_config(os.environ.get("VOICEAPP_DATABASE_URL", "sqlite://voiceapp.sqlite3"))


def sql_client() -> BaseDBAsyncClient:
    """The connection hand-written SQL runs on (the transaction's, inside one)."""
    client: BaseDBAsyncClient = connections.get("default")
    return client


def is_postgres(client: BaseDBAsyncClient) -> bool:
    return client.capabilities.dialect == "postgres"


@lru_cache(maxsize=64)
def numbered_for_sqlite(statement: str) -> str:
    """Hand-written SQL is written once, with PostgreSQL's $1 placeholders; SQLite reads
    the same numbered parameters as ?1."""
    return re.sub(r"\$(\d+)", r"?\1", statement)


async def execute_sql(statement: str, params: Sequence[Any]) -> list[Any]:
    """Run one hand-written statement ($1 placeholders) and return its rows."""
    client = sql_client()
    if is_postgres(client):
        # Tortoise's execute_query drops what an UPDATE ... RETURNING returns: fetched here.
        async with client.acquire_connection() as connection:
            return list(await connection.fetch(statement, *params))
    _, rows = await client.execute_query(numbered_for_sqlite(statement), list(params))
    return list(rows)


def forget_compiled_sql() -> None:
    """Drop Tortoise's cache of each model's INSERT/DELETE SQL.

    It is keyed by connection name, not by dialect, so a process that moves from an
    SQLite database to a PostgreSQL one (the test suite, the benchmark) would otherwise
    send SQLite's "?" placeholders to asyncpg.
    """
    EXECUTOR_CACHE.clear()


async def migrate(database_url: str) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date)."""
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    try:
        await run_migrate(config=tortoise_config(database_url), progress=progress)
    finally:
        await Tortoise.close_connections()
    return applied


async def pending_migrations(database_url: str) -> list[str]:
    """The migrations `voiceapp migrate` would apply, in order (empty when up to date)."""
    config = tortoise_config(database_url)
    await Tortoise.init(config=config, init_connections=False)
    try:
        executor = MigrationExecutor(get_connection("default"), config["apps"])
        steps = await executor.plan()
    finally:
        await Tortoise.close_connections()
    return [
        f"{step.migration.app_label}.{step.migration.name}" for step in steps if not step.backward
    ]


async def require_migrated(database_url: str) -> None:
    if await pending_migrations(database_url):
        raise NotMigrated("the database is not migrated yet: run 'voiceapp migrate' first")


@asynccontextmanager
async def database(database_url: str) -> AsyncIterator[None]:
    """An ORM connection for the length of one CLI command."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        yield
    finally:
        await close()


async def close() -> None:
    """Close the ORM's connections and the inline SQLite ones (sqlite_inline)."""
    close_inline_connections()
    await Tortoise.close_connections()
