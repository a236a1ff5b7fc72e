"""Short SQLite write transactions run on the event loop's own thread.

The ORM's SQLite connection (aiosqlite) lives on a thread of its own, and every statement
is a trip there and back. Under load that trip costs more than the work: each statement
hands Python's GIL between that thread and a busy event loop, and the benchmark measured
the seat-taking transaction (about 0.1 ms of SQLite work, `seat_sql`) at 0.8 ms of CPU
per webhook through the thread against 0.5 ms run here. So the few transactions every
caller waits on run inline, on a second connection to the same file:

- It never waits for a lock on the loop: busy timeout 0, and when another connection
  (the ORM's, a `voiceapp` command, another process) holds the write lock, the work is
  tried again after a short sleep that lets the loop run (`PATIENCE`), for as long as
  SQLite's own default busy timeout (5 s), then "database is locked" is raised. SQLite's
  busy handler is not used: it sleeps up to 100 ms between tries, and a writer that
  sleeps that long loses the lock, again and again, to one that tries every few ms.
- It never checkpoints on the loop (a checkpoint syncs the WAL to disk: about 10 ms for
  the 15 MiB between two of them, bench): `wal_autocheckpoint` is off here and every
  `CHECKPOINT_EVERY` commits a passive checkpoint runs on the ORM's thread instead. A
  checkpoint that commits keep overtaking never copies the whole WAL back, so the WAL
  is never started again from its beginning: a steady load grew it without end (1.5 GiB
  in 15 s of the benchmark), and every commit got slower. So it runs twice, the second,
  short pass with this connection's writes held (the loop goes on with everything else).
- It opens with the ORM connection's own pragmas (synchronous, WAL size, foreign keys).

`work` must be one short transaction that is safe to run again from the start after a
"database is locked": `write_transaction` makes one (BEGIN IMMEDIATE: nothing ran yet).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient

log = logging.getLogger(__name__)

T = TypeVar("T")

# Sleeps between tries while another connection holds the write lock (seconds), the last
# one repeated until GIVE_UP_AFTER.
PATIENCE = (0.0, 0.001, 0.002, 0.005, 0.01)
GIVE_UP_AFTER = 5.0
CHECKPOINT_EVERY = 500
CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"

# One inline connection per database file, for this process.
_connections: dict[str, InlineConnection] = {}


class InlineConnection:
    def __init__(self, client: SqliteClient) -> None:
        self.client = client
        self.connection = sqlite3.connect(client.filename, isolation_level=None, timeout=0)
        self.connection.row_factory = sqlite3.Row
        for pragma, value in client.pragmas.items():
            # WAL is a property of the file, set by the ORM's connection already; asking
            # again could meet another writer's lock, and this connection does not wait.
            if pragma != "journal_mode":
                self.connection.execute(f"PRAGMA {pragma}={value}")
        self.connection.execute("PRAGMA wal_autocheckpoint=0")
        self.commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        self._held: asyncio.Future[None] | None = None  # writes wait while it is set

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._held is not None:
            # Shielded: a caller who hangs up meanwhile must not cancel the others' wait.
            await asyncio.shield(self._held)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GIVE_UP_AFTER
        tries = 0
        while True:
            try:
                result = work(self.connection)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorname != "SQLITE_BUSY" or loop.time() >= deadline:
                    raise
                await asyncio.sleep(PATIENCE[min(tries, len(PATIENCE) - 1)])
                tries += 1
                continue
            self._committed()
            return result

    def _committed(self) -> None:
        self.commits += 1
        if self.commits % CHECKPOINT_EVERY == 0 and self._checkpoint is None:
            self._checkpoint = asyncio.create_task(self._run_checkpoint())

    async def _run_checkpoint(self) -> None:
        """Two passes on the ORM's thread. The first copies back nearly all of the WAL and
        pays for the disk syncs while this connection goes on writing; the second, with
        its writes held, copies the little they added meanwhile. Then the whole WAL is in
        the database file and the next commit starts it over."""
        try:
            await self.client.execute_script(CHECKPOINT)
            self._held = asyncio.get_running_loop().create_future()
            await self.client.execute_script(CHECKPOINT)
        except Exception:  # the next one will try again; nothing is lost meanwhile
            log.exception("WAL checkpoint failed")
        finally:
            self._release()
            self._checkpoint = None

    def _release(self) -> None:
        if self._held is not None:
            self._held.set_result(None)
            self._held = None

    def close(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.cancel()
        self._release()
        self.connection.close()


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction from its first statement, committed at the end of the block and
    rolled back if it raises. BEGIN IMMEDIATE takes the write lock up front: a
    transaction that reads first and then writes fails at once ("database is locked")
    whenever another connection wrote in between. Inside a transaction already open (the
    ORM's, on its thread), a savepoint nests instead."""
    nested = db.in_transaction
    db.execute("SAVEPOINT inline_work" if nested else "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK TO inline_work" if nested else "ROLLBACK")
        if nested:
            db.execute("RELEASE inline_work")
        raise
    db.execute("RELEASE inline_work" if nested else "COMMIT")


async def run_on_sqlite_thread(
    client: BaseDBAsyncClient, work: Callable[[sqlite3.Connection], T]
) -> T:
    """Run `work` on the ORM connection's own thread, in one call: several statements for
    the price of one trip. It holds the connection's lock for that one call, as each ORM
    query does. aiosqlite has no public call for this; `_execute` is the one its own
    methods use."""
    async with client.acquire_connection() as connection:
        return await connection._execute(work, connection._conn)  # type: ignore[no-any-return]


async def run_inline(client: BaseDBAsyncClient, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` on this file's inline connection (made on first use)."""
    if (
        not isinstance(client, SqliteClient)
        or isinstance(client, TransactionalDBClient)  # `work` joins the open transaction
        or client.filename == ":memory:"  # a second connection would be another database
    ):
        return await run_on_sqlite_thread(client, work)
    inline = _connections.get(client.filename)
    if inline is None or inline.client is not client:
        if inline is not None:
            inline.close()
        inline = _connections[client.filename] = InlineConnection(client)
    return await inline.run(work)


def close_inline_connections() -> None:
    """Close them all (the app and the CLI do, when they close the ORM's)."""
    while _connections:
        _connections.popitem()[1].close()
