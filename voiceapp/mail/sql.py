"""Hand-written SQL on the outbox, written once with PostgreSQL's $1 placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from voiceapp.core.db import is_postgres, numbered_for_sqlite, sql_client


async def fetch(
    statement: str, params: Sequence[Any], client: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """The rows `statement` returns (an INSERT or UPDATE with RETURNING included), on
    `client`, by default the current one: the transaction's, inside one.

    Not db.execute_sql: Tortoise's PostgreSQL client runs an INSERT or UPDATE with
    asyncpg's execute(), which drops the rows of its RETURNING clause."""
    client = client or sql_client()
    if not is_postgres(client):
        statement = numbered_for_sqlite(statement)
    return await client.execute_query_dict(statement, list(params))
