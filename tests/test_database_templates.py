"""The suite's migrated databases are copies of one template per run (conftest.py): a copy
must be exactly what `voiceapp migrate` makes of an empty database today."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from voiceapp.core.db import migrate, pending_migrations
from voiceapp.core.settings import Settings

from .conftest import (
    POSTGRES_TEMPLATE_PREFIX,
    POSTGRES_URL,
    admin_dsn,
    drop_templates_of_killed_runs,
    fresh_postgres_database,
)

# What a database holds, rows and all; the only thing left out is when each migration
# was applied, which differs between any two migrated databases.
Contents = dict[str, list[str]]


def sqlite_contents(url: str) -> Contents:
    db = sqlite3.connect(url.removeprefix("sqlite://"))
    try:
        contents = {
            "schema": sorted(
                map(repr, db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
            ),
            "journal_mode": [db.execute("PRAGMA journal_mode").fetchone()[0]],
        }
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        contents["tables"] = sorted(table for (table,) in tables)
        for (table,) in tables:
            columns = "app, name" if table == "tortoise_migrations" else "*"
            rows = db.execute(f'SELECT {columns} FROM "{table}"')  # noqa: S608 - our tables
            contents[table] = sorted(map(repr, rows))
        return contents
    finally:
        db.close()


async def postgres_contents(url: str) -> Contents:
    db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))

    async def rows(query: str) -> list[str]:
        return sorted(repr(tuple(row)) for row in await db.fetch(query))

    try:
        tables = [
            row[0]
            for row in await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        contents = {
            "tables": sorted(tables),
            "columns": await rows(
                "SELECT table_name, column_name, data_type, is_nullable, column_default"
                " FROM information_schema.columns WHERE table_schema = 'public'"
            ),
            "indexes": await rows(
                "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            ),
            "constraints": await rows(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            ),
        }
        for table in tables:
            columns = "app, name" if table == "tortoise_migrations" else "*"
            contents[table] = await rows(f'SELECT {columns} FROM "{table}"')  # noqa: S608
        return contents
    finally:
        await db.close()


async def contents_of(url: str) -> Contents:
    if url.startswith("sqlite://"):
        return sqlite_contents(url)
    return await postgres_contents(url)


async def test_a_migrated_copy_is_what_migrate_makes_of_an_empty_database(
    migrated_database_url: str, tmp_path: Path
) -> None:
    copy = await contents_of(migrated_database_url)
    if migrated_database_url.startswith("sqlite://"):
        url = f"sqlite://{tmp_path}/by_hand.sqlite3"
        await migrate(url)
        by_hand = await contents_of(url)
    else:
        async with fresh_postgres_database() as url:
            await migrate(url)
            by_hand = await contents_of(url)
    assert "room" in copy["tables"]
    assert copy == by_hand
    assert await pending_migrations(migrated_database_url) == []


async def test_a_database_nobody_asks_to_migrate_is_empty(database_url: str) -> None:
    assert (await contents_of(database_url))["tables"] == []


def test_settings_are_on_the_tests_database(database_url: str, settings: Settings) -> None:
    """A test that takes both reaches the same rows through either (test_faults.py does)."""
    assert settings.database_url == database_url


@pytest.mark.skipif(not POSTGRES_URL, reason="VOICEAPP_TEST_POSTGRES_URL is not set")
async def test_only_the_templates_of_runs_that_are_gone_are_dropped() -> None:
    run_that_ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await run_that_ended.wait()  # its process is gone now
    killed = f"{POSTGRES_TEMPLATE_PREFIX}{run_that_ended.pid}_{uuid.uuid4().hex[:8]}"
    running = f"{POSTGRES_TEMPLATE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn())
    try:
        for name in (killed, running):
            await admin.execute(f'CREATE DATABASE "{name}"')
        await drop_templates_of_killed_runs(admin)
        left = {row[0] for row in await admin.fetch("SELECT datname FROM pg_database")}
        assert running in left
        assert killed not in left
    finally:
        for name in (killed, running):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
