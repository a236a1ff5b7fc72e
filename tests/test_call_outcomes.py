"""What the call history says of calls that failed, and of calls that joined and ended.

A call whose webhook failed heard the apology and was hung up: its history says
"error" (Technical problem), not "abandoned" (Hung up). Recording that is best effort:
the database may be what failed, and the apology never waits on it for long. A call that
joined keeps "joined" once it ends, with its end and duration; an error after the caller
joined does not undo that.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from voiceapp import ivr_prompts
from voiceapp.conferencing import rooms, seats
from voiceapp.core.db import database
from voiceapp.core.models import CallRecord, Language
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller

from .apology import is_apology
from .conftest import FR_NUMBER, POSTGRES_URL, make_settings, provision_conference
from .test_faults import database_unavailable, params, type_conference_id

APOLOGY = ivr_prompts.text("technical_problem", Language.FR)


class Broken(RuntimeError):
    """A fault injected into one domain function: a bug, with the database fine."""


def broken(*args: object, **kwargs: object) -> bool:
    raise Broken("injected")


async def test_a_call_that_failed_is_recorded_as_an_error(
    conference: Carrier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rooms, "pin_matches", broken)
    call = await conference.call(FR_NUMBER, digits=["1234#", "4321#"])
    assert call.said[-1] == APOLOGY
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.outcome == "error"  # not "abandoned": the caller did not just hang up
    assert record.ended_at is not None and record.duration_seconds is not None


async def test_an_error_after_the_caller_joined_keeps_joined(
    conference: Carrier, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    # Freeing the seat fails: the leave and the call status webhooks both apologise.
    monkeypatch.setattr(seats, "release_seat", broken)
    await call.hangup()
    record = await CallRecord.get(call_sid=call.call_sid)
    assert (record.outcome, record.room_name) == ("joined", "Support")
    assert record.ended_at is not None


async def test_a_call_that_joined_and_ended_keeps_joined_with_its_end(
    conference: Carrier,
) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    during = await CallRecord.get(call_sid=call.call_sid)
    assert (during.outcome, during.ended_at, during.duration_seconds) == ("joined", None, None)
    await call.hangup()
    after = await CallRecord.get(call_sid=call.call_sid)
    assert (after.outcome, after.room_name, after.joined_at) == (
        "joined",
        "Support",
        during.joined_at,
    )
    assert after.ended_at is not None
    assert after.duration_seconds == call.seconds


async def test_the_failure_is_written_once_as_the_first_outcome_only(
    conference: Carrier,
) -> None:
    caller = Caller("CAfailed", "+33612345678", FR_NUMBER)
    await call_records.record(caller, call_records.FAILED)
    await call_records.record(caller, call_records.FAILED)
    assert (await CallRecord.get(call_sid="CAfailed")).outcome == "error"
    joined = Caller("CAjoined", "+33612345678", FR_NUMBER)
    await call_records.set_outcome(joined, call_records.Outcome.JOINED)
    await call_records.record(joined, call_records.FAILED)
    assert (await CallRecord.get(call_sid="CAjoined")).outcome == "joined"


async def test_with_the_database_gone_the_caller_still_hears_the_apology(
    conference: Carrier,
    settings: Settings,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    greeting = await conference.post(conference.base_url + "/voice/incoming", params("CAgone"))
    assert greeting.status_code == 200
    async with database_unavailable(database_url):
        answer = await type_conference_id(conference, "CAgone", "5555#")
    assert is_apology(answer, settings)
    assert "could not record the failure of call_sid=CAgone" in caplog.text


@pytest.mark.postgres
async def test_a_webhook_stuck_on_a_lock_is_recorded_as_an_error(
    migrated_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The room's row held elsewhere past the deadline: the caller hears the apology,
    and the history (whose table is not locked) says the call failed."""
    settings = make_settings(migrated_postgres_url, VOICEAPP_WEBHOOK_DEADLINE="1")
    name = migrated_postgres_url.rsplit("/", 1)[1]
    async with database(migrated_postgres_url):
        await provision_conference(settings)
    admin_dsn = POSTGRES_URL.replace("postgres://", "postgresql://", 1)
    blocker = await asyncpg.connect(admin_dsn.rsplit("/", 1)[0] + "/" + name)
    try:
        async with in_process_carrier(settings) as carrier:
            lock = blocker.transaction()
            await lock.start()
            await blocker.execute("SELECT 1 FROM room WHERE conference_id = '5555' FOR UPDATE")
            try:
                with caplog.at_level(logging.WARNING):
                    call = await asyncio.wait_for(carrier.call(FR_NUMBER, digits=["5555#"]), 10)
            finally:
                await lock.rollback()
            assert call.said[-1] == APOLOGY
            record = await CallRecord.get(call_sid=call.call_sid)
            assert record.outcome == "error"
            assert record.ended_at is not None
            assert "could not record the failure" not in caplog.text
            # Cut off by VOICEAPP_WEBHOOK_DEADLINE, well before the carrier's 15 s.
            assert "took over 1 s, apologised" in caplog.text
    finally:
        await blocker.close()
