"""A call's end never writes back an outcome it read before another webhook changed it."""

from __future__ import annotations

import asyncio

from voiceapp.core.models import CallRecord
from voiceapp.emulator import Carrier
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller, Outcome

from .conftest import FR_NUMBER


async def test_an_outcome_written_while_the_call_ends_is_kept(conference: Carrier) -> None:
    lost = []
    for n in range(40):
        caller = Caller(f"CArace{n:04d}", "+33612345678", FR_NUMBER)
        await call_records.set_outcome(caller, Outcome.IN_PROGRESS)
        await asyncio.gather(
            call_records.end_call(caller, 5),
            call_records.set_outcome(caller, Outcome.JOINED),
        )
        record = await CallRecord.get(call_sid=caller.call_sid)
        assert record.ended_at is not None
        if record.outcome != Outcome.JOINED:
            lost.append((caller.call_sid, record.outcome))
    assert lost == []
