"""The call status callback with a CallDuration no call can have: the call still ends.

The status callback is what frees a seat whose caller hung up; if storing the end fails,
the seat stays held until expiry and the row shows the call as still going.
"""

from __future__ import annotations

import pytest

from voiceapp.core.models import CallRecord, Room
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier

from .apology import errors_logged, is_apology
from .conftest import FR_NUMBER
from .twiml import parse

# Past what a timedelta or a datetime can hold, and past PostgreSQL's integer column.
IMPOSSIBLE = ["9" * 64, "99999999999", "4294967296"]


async def post_status(conference: Carrier, call_sid: str, duration: str) -> str:
    response = await conference.post(
        conference.base_url + "/voice/status",
        {
            "CallSid": call_sid,
            "From": "+33612345678",
            "To": FR_NUMBER,
            "CallStatus": "completed",
            "CallDuration": duration,
        },
    )
    assert response.status_code == 200
    parse(response.text)
    return response.text


@pytest.mark.parametrize("duration", IMPOSSIBLE, ids=["64-digits", "11-digits", "over-int32"])
async def test_an_impossible_duration_still_ends_the_call_and_frees_its_seat(
    conference: Carrier, settings: Settings, caplog: pytest.LogCaptureFixture, duration: str
) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    room = await Room.get(conference_id="5555")
    assert room.seats_taken == 1
    # Only the call status callback, as when the carrier never sent participant-leave.
    body = await post_status(conference, call.call_sid, duration)
    assert not is_apology(body, settings)
    assert errors_logged(caplog) == []
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.ended_at is not None
    assert record.outcome == "joined"
    # The carrier's figure is ignored: the row's own start gives the duration.
    assert record.duration_seconds is not None and 0 <= record.duration_seconds < 60


async def test_an_impossible_duration_of_a_call_that_left_at_the_greeting(
    conference: Carrier, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    body = await post_status(conference, "CA" + "3" * 32, "9" * 64)
    assert not is_apology(body, settings)
    assert errors_logged(caplog) == []
    record = await CallRecord.get(call_sid="CA" + "3" * 32)
    assert record.outcome == "abandoned"
    assert record.ended_at is not None
    assert record.duration_seconds == 0


async def test_a_day_long_call_keeps_the_carriers_duration(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    await post_status(conference, call.call_sid, "86400")
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.duration_seconds == 86400
    assert record.ended_at is not None
    assert (record.ended_at - record.started_at).total_seconds() == 86400
