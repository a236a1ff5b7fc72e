"""Database configuration: the SQLite durability setting and URL forms."""

from __future__ import annotations

from pathlib import Path

from tortoise import connections

from voiceapp.db import database, migrate, tortoise_config

NORMAL, FULL = 1, 2  # PRAGMA synchronous values


async def synchronous_of(url: str) -> int:
    async with database(url):
        _, rows = await connections.get("default").execute_query("PRAGMA synchronous")
        return int(rows[0][0])


async def test_sqlite_runs_wal_with_synchronous_normal(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/v.sqlite3"
    await migrate(url)
    assert await synchronous_of(url) == NORMAL
    async with database(url):
        _, rows = await connections.get("default").execute_query("PRAGMA journal_mode")
        assert rows[0][0] == "wal"


async def test_an_explicit_synchronous_setting_wins(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/v.sqlite3?synchronous=FULL"
    await migrate(url)
    assert await synchronous_of(url) == FULL


def test_postgresql_scheme_is_normalised() -> None:
    config = tortoise_config("postgresql://postgres@127.0.0.1:5432/test")
    assert config["connections"]["default"] == "postgres://postgres@127.0.0.1:5432/test"
