"""A database connection lost in the middle of a webhook is retried once, not apologised for.

Seen: a PostgreSQL connection reset (a restart, a proxy, an administrator ending the
session) turned the caller's next keypress into "we are experiencing a technical
problem" and a hang-up, though the database answered again a moment later.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from voiceapp import ivr_prompts
from voiceapp.core.db import database
from voiceapp.core.models import Language
from voiceapp.emulator.inprocess import in_process_carrier

from .conftest import FR_NUMBER, POSTGRES_URL, make_settings, provision_conference

WAITING_ON_THE_ROOM = """
SELECT pid FROM pg_stat_activity
WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""


async def backend_waiting_on_a_lock(admin: asyncpg.Connection, name: str) -> int:
    for _ in range(200):
        pid = await admin.fetchval(WAITING_ON_THE_ROOM, name)
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.025)
    raise AssertionError("the seat statement never waited on the room's lock")


@pytest.mark.postgres
async def test_a_connection_killed_mid_webhook_is_retried_once(
    migrated_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(migrated_postgres_url)
    name = migrated_postgres_url.rsplit("/", 1)[1]
    async with database(migrated_postgres_url):
        await provision_conference(settings)
    admin_dsn = POSTGRES_URL.replace("postgres://", "postgresql://", 1)
    blocker = await asyncpg.connect(admin_dsn.rsplit("/", 1)[0] + "/" + name)
    admin = await asyncpg.connect(admin_dsn)
    try:
        async with in_process_carrier(settings) as carrier:
            # Hold the room's row so that the caller's seat statement waits in the
            # database, then end that statement's connection under it.
            lock = blocker.transaction()
            await lock.start()
            await blocker.execute("SELECT 1 FROM room WHERE conference_id = '5555' FOR UPDATE")
            with caplog.at_level(logging.WARNING):
                calling = asyncio.create_task(carrier.call(FR_NUMBER, digits=["5555#"], stay=True))
                pid = await backend_waiting_on_a_lock(admin, name)
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
                await lock.rollback()
                call = await calling
            assert ivr_prompts.text("technical_problem", Language.FR) not in call.said
            assert call.conference is not None
            assert "trying once more" in caplog.text
            assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
            await call.hangup()
    finally:
        await blocker.close()
        await admin.close()
