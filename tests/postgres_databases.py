"""The tests' PostgreSQL databases, made and dropped beside the tests rather than inside them.

A test on PostgreSQL gets a database of its own: a copy of the run's migrated template
(CREATE DATABASE ... TEMPLATE, 0.3 to 0.5 s, half of it waiting on the disk), dropped after
it (DROP DATABASE, 0.05 to 0.5 s, nearly all of it the disk). Done in the test's own set-up
and teardown, that was a third of the suite's time on PostgreSQL. Here a thread of its own
makes the next test's copy while this one runs, and drops a test's database once it is
over; the test still gets a fresh copy that nobody else uses, and any failure to make or
drop one is raised, in the test that needed it or at the end of the run.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")
# Databases dropped at once at most: more would only queue on the same disk.
DROPS_AT_ONCE = 2
# Seconds to wait at the end of the run for the last drops (each takes well under one).
CLOSE_TIMEOUT = 120.0


# A test's database is named after the process of its run, as the run's template is, so
# that a run killed before its end is known by the next (conftest.py drops its leftovers).
COPY_PREFIX = "voiceapp_test_run_"


def new_database_name() -> str:
    return f"{COPY_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"


class BackgroundDatabases:
    """Copies of one template made one ahead, and drops, in a thread with its own event
    loop (asyncpg connections belong to the loop that opened them, and each test has its
    own). Used from the tests' loops: `await copy_of(...)`, `drop_later(...)`."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="postgres-databases", daemon=True
        )
        self._thread.start()
        self._spare: tuple[str, Future[str]] | None = None  # (template, its next copy)
        self._drops: list[Future[None]] = []
        self._drop_slots: asyncio.Semaphore | None = None  # made in the thread's loop

    def _submit(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _execute(self, statement: str) -> None:
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(statement)
        finally:
            await admin.close()

    async def _create(self, template: str | None) -> str:
        name = new_database_name()
        copy_of = f' TEMPLATE "{template}"' if template else ""
        await self._execute(f'CREATE DATABASE "{name}"{copy_of}')
        return name

    async def _drop(self, name: str) -> None:
        if self._drop_slots is None:
            self._drop_slots = asyncio.Semaphore(DROPS_AT_ONCE)
        async with self._drop_slots:
            # FORCE: a server a test started (or killed) may still hold connections.
            await self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def copy_of(self, template: str) -> str:
        """The name of a new copy of `template`, for one test: the one made while the last
        test ran when there is one; the next is started at once."""
        if self._spare is not None and self._spare[0] == template:
            ready = self._spare[1]
        else:
            self._discard_spare()
            ready = self._submit(self._create(template))
        self._spare = (template, self._submit(self._create(template)))
        return await asyncio.wrap_future(ready)

    async def empty(self) -> str:
        """The name of a new, empty database (not made ahead: few tests want one)."""
        return await asyncio.wrap_future(self._submit(self._create(None)))

    def drop_later(self, name: str) -> None:
        """Drop the database `name` soon, without waiting; a failure is raised by close()."""
        self._drops = [drop for drop in self._drops if not drop.done() or drop.exception()]
        self._drops.append(self._submit(self._drop(name)))

    def _discard_spare(self) -> None:
        if self._spare is None:
            return
        _, spare = self._spare
        self._spare = None
        try:
            name = spare.result(timeout=CLOSE_TIMEOUT)
        except Exception:  # its making failed: there is no database to drop
            return
        self.drop_later(name)

    def close(self) -> None:
        """Drop the spare copy, wait for every drop, and stop the thread. Raises the first
        drop that failed, so that no database is left behind unnoticed."""
        try:
            self._discard_spare()
            for drop in self._drops:
                drop.result(timeout=CLOSE_TIMEOUT)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=CLOSE_TIMEOUT)
            self._loop.close()
