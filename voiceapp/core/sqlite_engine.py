"""The ORM's SQLite client, which lets go of its connection lock when the file cannot be
opened.

Tortoise (1.1.9) takes the client's one lock, then opens its connection; when the file
cannot be opened (its directory missing, no permission, a disk gone), the error leaves
the lock taken. Every query after that waits for it forever: a webhook until its
deadline, so the caller hears ten seconds of silence before the apology, and the worker
for good, even once the file is back. Here opening failed is opening failed: the lock is
let go, each query fails at once, and the first one after the file is back opens it.

core.db.tortoise_config names this module as the SQLite engine (Tortoise imports an
engine's module and takes its `client_class`).
"""

from __future__ import annotations

from typing import Any

import aiosqlite
from tortoise.backends.base.client import ConnectionWrapper, TransactionalDBClient
from tortoise.backends.sqlite.client import (
    SqliteClient as TortoiseSqliteClient,
)
from tortoise.backends.sqlite.client import (
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections


class _Connection(ConnectionWrapper[aiosqlite.Connection]):
    async def __aenter__(self) -> aiosqlite.Connection:
        await self._lock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._lock.release()
            raise
        return self.connection


class _Transaction(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._trxlock.release()
            raise
        self.token = get_connections().set(self.connection_name, self.connection)
        try:
            await self.connection.begin()
        except BaseException:
            get_connections().reset(self.token)
            self._trxlock.release()
            raise
        transaction: TransactionalDBClient = self.connection
        return transaction


class SqliteClient(TortoiseSqliteClient):
    def acquire_connection(self) -> Any:
        return _Connection(self._lock, self)

    def _in_transaction(self) -> Any:
        return _Transaction(SqliteTransactionWrapper(self), self._lock)


client_class = SqliteClient
