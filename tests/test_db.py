"""Database configuration: the SQLite durability setting, URL forms, and migrating a
database that holds data."""

from __future__ import annotations

from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrate

from voiceapp.core.db import PooledConnection, database, migrate, tortoise_config
from voiceapp.core.models import AdminUser

NORMAL, FULL = 1, 2  # PRAGMA synchronous values


async def pragma(url: str, name: str) -> object:
    async with database(url):
        _, rows = await connections.get("default").execute_query(f"PRAGMA {name}")
        return rows[0][0]


async def test_sqlite_runs_wal_with_synchronous_normal(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/v.sqlite3"
    await migrate(url)
    assert await pragma(url, "synchronous") == NORMAL
    assert await pragma(url, "journal_mode") == "wal"
    # Not Tortoise's 16 KiB: the WAL file is reused between checkpoints, not regrown.
    assert await pragma(url, "journal_size_limit") == 64 * 1024 * 1024


async def test_an_explicit_setting_in_the_url_wins(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/v.sqlite3?synchronous=FULL&journal_size_limit=16384"
    await migrate(url)
    assert await pragma(url, "synchronous") == FULL
    assert await pragma(url, "journal_size_limit") == 16384


def test_postgresql_scheme_is_normalised() -> None:
    config = tortoise_config("postgresql://postgres@127.0.0.1:5432/test")
    connection = config["connections"]["default"]
    assert connection["engine"] == "tortoise.backends.asyncpg"
    assert connection["credentials"]["database"] == "test"
    assert connection["credentials"]["connection_class"] is PooledConnection


async def test_pooled_postgres_connections_skip_the_reset_but_not_the_rollback(
    postgres_url: str,
) -> None:
    async with database(postgres_url + "?maxsize=1"):
        client = connections.get("default")
        async with client.acquire_connection() as connection:
            assert isinstance(connection, PooledConnection)
            assert connection.get_reset_query() == ""
            backend = await connection.fetchval("SELECT pg_backend_pid()")
            await connection.execute("BEGIN")
        # The pool's only connection again: the transaction left open on it was rolled
        # back when it went back to the pool (asyncpg logs that it had to).
        async with client.acquire_connection() as again:
            assert not again.is_in_transaction()
            assert await again.fetchval("SELECT pg_backend_pid()") == backend


async def test_an_existing_database_gets_the_session_generation_column(database_url: str) -> None:
    """A database made by 0001 (what every install before it has), with an admin in it:
    `voiceapp migrate` adds the column, and the existing admin starts at generation 0."""
    try:
        await run_migrate(config=tortoise_config(database_url), target="voiceapp.0001_initial")
    finally:
        await Tortoise.close_connections()
    async with database(database_url):
        # Written as 0001's code would: the model of today has the column already.
        await connections.get("default").execute_query(
            "INSERT INTO admin_user (username, password_hash, created_at) "
            "VALUES ('alice', 'not-a-real-hash', CURRENT_TIMESTAMP)"
        )
    applied = await migrate(database_url)
    assert applied[0] == "voiceapp.0002_admin_session_epoch"
    async with database(database_url):
        assert (await AdminUser.get(username="alice")).session_epoch == 0
        assert (await AdminUser.create(username="bob", password_hash="x")).session_epoch == 0
    assert await migrate(database_url) == []
