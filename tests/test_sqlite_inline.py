"""Short SQLite write transactions run inline on the event loop (sqlite_inline.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from voiceapp.core import sqlite_inline
from voiceapp.core.db import database
from voiceapp.core.sqlite_inline import run_inline, write_transaction

from .conftest import DatabaseTemplates

pytestmark = pytest.mark.usefixtures("no_waiting")


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    # Giving up after 0.1 s rather than 5: what matters is waiting, then giving up.
    monkeypatch.setattr(sqlite_inline, "GIVE_UP_AFTER", 0.1)


@pytest.fixture
async def sqlite_url(tmp_path: Path, database_templates: DatabaseTemplates) -> str:
    return await database_templates.copy_sqlite(tmp_path / "inline.sqlite3")


def add_extension(number: str) -> Callable[[sqlite3.Connection], str]:
    def work(db: sqlite3.Connection) -> str:
        with write_transaction(db):
            db.execute(
                "INSERT INTO extension (number, kind, name, created_at) "
                "VALUES (?, 'user', 'inline', '2026-11-22 00:00:00+00:00')",
                (number,),
            )
        return threading_name()

    return work


def threading_name() -> str:
    return threading.current_thread().name


async def numbers() -> list[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT number FROM extension ORDER BY number"
    )
    return [row[0] for row in rows]


async def test_the_work_runs_on_the_event_loops_thread(sqlite_url: str) -> None:
    async with database(sqlite_url):
        ran_on = await run_inline(connections.get("default"), add_extension("101"))
        assert ran_on == threading_name()
        assert await numbers() == ["101"]


async def test_a_writer_holding_the_lock_is_waited_for_without_blocking_the_loop(
    sqlite_url: str, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "inline.sqlite3", isolation_level=None)
    async with database(sqlite_url):
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        work = asyncio.create_task(run_inline(connections.get("default"), add_extension("102")))
        await asyncio.sleep(0.005)
        assert not work.done()  # waiting, and the loop runs meanwhile
        other.execute("COMMIT")
        await work
        assert await numbers() == ["102"]
    other.close()


async def test_a_lock_held_for_too_long_is_a_clear_error(sqlite_url: str, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "inline.sqlite3", isolation_level=None)
    async with database(sqlite_url):
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await run_inline(connections.get("default"), add_extension("103"))
        other.execute("ROLLBACK")
        assert await numbers() == []
    other.close()


async def test_inside_an_orm_transaction_the_work_joins_it(sqlite_url: str) -> None:
    def work(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO extension (number, kind, name, created_at) "
            "VALUES ('104', 'user', 'inline', '2026-11-22 00:00:00+00:00')"
        )

    async with database(sqlite_url):
        with pytest.raises(RuntimeError):
            async with in_transaction() as transaction:
                await run_inline(transaction, work)
                raise RuntimeError("roll it all back")
        assert await numbers() == []


async def test_checkpoints_run_through_the_orm_every_so_many_commits(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "CHECKPOINT_EVERY", 3)
    async with database(sqlite_url):
        client = connections.get("default")
        scripts: list[tuple[str, str]] = []
        run_script = client.execute_script

        async def spy(query: str) -> None:
            scripts.append((query, threading_name()))
            await run_script(query)

        monkeypatch.setattr(client, "execute_script", spy)
        for n in range(2):
            await run_inline(client, add_extension(f"2{n:02d}"))
        inline = sqlite_inline._connections[client.filename]
        # Never on the inline connection itself (a checkpoint there could fsync on the loop).
        assert inline.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert inline._checkpoint is None
        await run_inline(client, add_extension("299"))
        assert inline._checkpoint is not None
        await inline._checkpoint
        # Twice: once while writes go on, once with them held (see _run_checkpoint).
        assert [query for query, _ in scripts] == ["PRAGMA wal_checkpoint(PASSIVE)"] * 2
    assert sqlite_inline._connections == {}  # closed with the ORM's


def wal_salts(sqlite_url: str) -> bytes:
    """The WAL header's salts: SQLite changes them each time it starts the WAL over."""
    with open(sqlite_url.removeprefix("sqlite://") + "-wal", "rb") as wal:
        return wal.read(24)[16:24]


async def test_a_checkpoint_under_steady_writes_lets_the_wal_start_over(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits that keep overtaking a checkpoint must not stop it copying the whole WAL
    back: otherwise the WAL is never started over and grows with every commit."""
    monkeypatch.setattr(sqlite_inline, "CHECKPOINT_EVERY", 10)
    written = 0

    async def write() -> None:
        nonlocal written
        written += 1
        await run_inline(client, add_extension(f"5{written:03d}"))
        await asyncio.sleep(0)  # as under load: the loop turns between commits

    async with database(sqlite_url):
        client = connections.get("default")
        for _ in range(10):
            await write()
        before = wal_salts(sqlite_url)
        checkpoint = sqlite_inline._connections[client.filename]._checkpoint
        assert checkpoint is not None
        while not checkpoint.done():  # commits go on while it runs
            await write()
        await write()
        assert wal_salts(sqlite_url) != before


async def test_a_write_transaction_that_raises_leaves_nothing(sqlite_url: str) -> None:
    def half_done(db: sqlite3.Connection) -> None:
        with write_transaction(db):
            add = "INSERT INTO extension (number, kind, name, created_at) VALUES (?, ?, ?, ?)"
            db.execute(add, ("105", "user", "inline", "2026-11-22 00:00:00+00:00"))
            db.execute(add, ("105", "user", "twice", "2026-11-22 00:00:00+00:00"))

    async with database(sqlite_url):
        with pytest.raises(sqlite3.IntegrityError):
            await run_inline(connections.get("default"), half_done)
        assert await numbers() == []
        # The connection is usable again: the failed transaction was rolled back.
        await run_inline(connections.get("default"), add_extension("106"))
        assert await numbers() == ["106"]
