"""The carrier's recording callback (POST /voice/recording-status?room=ID): a completed
recording of a room's conference is kept once, whatever the carrier retries; anything
else is acknowledged with empty TwiML and nothing kept, never a 500."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st

from voiceapp.conferencing import recordings, rooms
from voiceapp.conferencing.recordings import RecordedRoom
from voiceapp.core.models import ConferenceRecording, Room
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.webhooks.recording_status import start_time
from voiceapp.webhooks.signature import HEADER, sign

from .apology import errors_logged
from .carrier_double import ACCOUNT_SID
from .conftest import AUTH_TOKEN, PUBLIC_URL
from .twiml import parse

SID = "RE" + "a1" * 16
CONFERENCE_SID = "CF" + "b2" * 16
URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{SID}"
STARTED = "Tue, 04 Mar 2025 10:00:00 +0100"
CALLBACK = {
    "AccountSid": ACCOUNT_SID,
    "ConferenceSid": CONFERENCE_SID,
    "RecordingSid": SID,
    "RecordingUrl": URL,
    "RecordingStatus": "completed",
    "RecordingDuration": "125",
    "RecordingChannels": "1",
    "RecordingStartTime": STARTED,
    "RecordingSource": "StartConferenceVerb",
    "ErrorCode": "0",
}


async def post(
    client: httpx.AsyncClient, query: str, form: dict[str, str], token: str = AUTH_TOKEN
) -> httpx.Response:
    url = f"{PUBLIC_URL}/voice/recording-status{query}"
    return await client.post(url, data=form, headers={HEADER: sign(token, url, form)})


def is_empty_twiml(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    root = parse(response.content)
    return root.tag == "Response" and len(root) == 0


@pytest.fixture
async def ventes(conference: Carrier) -> Room:
    return await Room.get(conference_id="1234")


async def test_a_completed_recording_is_kept_with_its_room(
    conference: Carrier, ventes: Room, caplog: pytest.LogCaptureFixture
) -> None:
    response = await post(conference.client, f"?room={ventes.pk}", CALLBACK)
    assert is_empty_twiml(response)
    [kept] = await ConferenceRecording.all()
    assert (kept.room_id, kept.room_name, kept.conference_id) == (ventes.pk, "Ventes", "1234")  # type: ignore[attr-defined]
    assert (kept.recording_sid, kept.recording_url, kept.conference_sid) == (
        SID,
        URL,
        CONFERENCE_SID,
    )
    assert kept.started_at == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    assert kept.duration_seconds == 125
    assert errors_logged(caplog) == []


async def test_a_retried_callback_keeps_one_recording(conference: Carrier, ventes: Room) -> None:
    query = f"?room={ventes.pk}"
    assert is_empty_twiml(await post(conference.client, query, CALLBACK))
    # The carrier retries, twice at once: still the one row.
    answers = await asyncio.gather(*(post(conference.client, query, CALLBACK) for _ in range(2)))
    assert all(is_empty_twiml(answer) for answer in answers)
    assert await ConferenceRecording.all().count() == 1
    other = {**CALLBACK, "RecordingSid": "RE" + "c3" * 16}
    await post(conference.client, query, other)
    assert await ConferenceRecording.all().count() == 2


@pytest.mark.parametrize("status", ["in-progress", "absent", "failed", ""])
async def test_a_recording_not_completed_is_acknowledged_and_not_kept(
    conference: Carrier, ventes: Room, status: str
) -> None:
    response = await post(
        conference.client, f"?room={ventes.pk}", {**CALLBACK, "RecordingStatus": status}
    )
    assert is_empty_twiml(response)
    assert await ConferenceRecording.all().count() == 0


def without(name: str) -> dict[str, str]:
    return {key: value for key, value in CALLBACK.items() if key != name}


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("", CALLBACK),
        ("?room=", CALLBACK),
        ("?room=abc", CALLBACK),
        ("?room=0", CALLBACK),
        ("?room=-1", CALLBACK),
        ("?room=99999999999", CALLBACK),
        ("?room=%C2%B2", CALLBACK),  # "²", a digit to str.isdigit()
        ("?room={room}", without("RecordingSid")),
        ("?room={room}", {**CALLBACK, "RecordingSid": "RE" + "1" * 63}),
        ("?room={room}", without("RecordingUrl")),
        ("?room={room}", {**CALLBACK, "RecordingUrl": URL + "x" * 500}),
        ("?room={room}", without("ConferenceSid")),
        ("?room={room}", without("RecordingStartTime")),
        ("?room={room}", {**CALLBACK, "RecordingStartTime": "yesterday"}),
        ("?room={room}", {**CALLBACK, "RecordingStartTime": "Mon, 01 Jan 1900 00:00:00 +0100"}),
        ("?room={room}", {**CALLBACK, "RecordingStartTime": "Fri, 31 Dec 9999 23:59:59 -1200"}),
        ("?room={room}", {**CALLBACK, "RecordingStartTime": "Tue, 04 Mar 2025 25:00:00 +0000"}),
        ("?room={room}", without("RecordingDuration")),
        ("?room={room}", {**CALLBACK, "RecordingDuration": "-1"}),
        ("?room={room}", {**CALLBACK, "RecordingDuration": "1.5"}),
        ("?room={room}", {**CALLBACK, "RecordingDuration": "²"}),
        ("?room={room}", {**CALLBACK, "RecordingDuration": "9" * 40}),
        ("?room={room}", {**CALLBACK, "RecordingSid": "\x00\x01"}),
    ],
)
async def test_an_unusable_callback_is_acknowledged_and_nothing_kept(
    conference: Carrier,
    ventes: Room,
    caplog: pytest.LogCaptureFixture,
    query: str,
    form: dict[str, str],
) -> None:
    caplog.set_level(logging.INFO)
    response = await post(conference.client, query.format(room=ventes.pk), form)
    assert is_empty_twiml(response)  # not the apology: handled, not crashed on
    assert await ConferenceRecording.all().count() == 0
    assert errors_logged(caplog) == []
    assert "recording callback ignored" in caplog.text


async def test_an_unsigned_callback_is_refused(conference: Carrier, ventes: Room) -> None:
    url = f"{PUBLIC_URL}/voice/recording-status?room={ventes.pk}"
    assert (await conference.client.post(url, data=CALLBACK)).status_code == 403
    forged = await post(conference.client, f"?room={ventes.pk}", CALLBACK, token="not-the-token")
    assert forged.status_code == 403
    # Signed for one room, sent for another.
    signature = sign(AUTH_TOKEN, url, CALLBACK)
    moved = url.replace(f"room={ventes.pk}", f"room={ventes.pk + 1}")
    refused = await conference.client.post(moved, data=CALLBACK, headers={HEADER: signature})
    assert refused.status_code == 403
    assert await ConferenceRecording.all().count() == 0


async def test_a_recording_of_a_room_deleted_meanwhile_is_still_kept(
    conference: Carrier, ventes: Room, caplog: pytest.LogCaptureFixture
) -> None:
    """The audio is at the carrier: without a row, no one could ever delete it there."""
    await rooms.remove_room("1234")
    response = await post(conference.client, f"?room={ventes.pk}", CALLBACK)
    assert is_empty_twiml(response)
    [kept] = await ConferenceRecording.all()
    assert (kept.room_id, kept.room_name, kept.conference_id) == (None, "", "")  # type: ignore[attr-defined]
    assert "the room is gone" in caplog.text


async def test_a_recording_outlives_its_room(conference: Carrier, ventes: Room) -> None:
    assert await recordings.rooms_to_choose() == []
    assert await recordings.rooms_to_choose(including="5555") == [
        RecordedRoom("5555", "Support", True)
    ]
    await post(conference.client, f"?room={ventes.pk}", CALLBACK)
    assert await recordings.rooms_to_choose() == [RecordedRoom("1234", "Ventes", True)]
    await rooms.remove_room("1234")
    [kept] = await recordings.list_recordings("1234")
    assert (kept.room_id, kept.room_name, kept.conference_id) == (None, "Ventes", "1234")  # type: ignore[attr-defined]
    for unknown in (None, "9999", "1" * 40):
        assert await recordings.rooms_to_choose(including=unknown) == [
            RecordedRoom("1234", "Ventes", False)
        ]
    assert await recordings.list_recordings("5555") == []
    assert await recordings.list_recordings("1" * 40) == []
    assert [r.recording_sid for r in await recordings.list_recordings()] == [SID]


async def test_recordings_are_listed_latest_first(settings: Settings, ventes: Room) -> None:
    for n, hour in enumerate((9, 11, 10)):
        await recordings.save_recording(
            ventes.pk,
            recordings.Recorded(
                f"RE{n:032x}", URL, CONFERENCE_SID, datetime(2025, 3, 4, hour, tzinfo=UTC), 60
            ),
        )
    listed = await recordings.list_recordings()
    assert [r.started_at.hour for r in listed] == [11, 10, 9]


@settings_for_hypothesis(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=60),
        st.from_regex(
            r"\A[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} -?\d{1,6} \d{1,2}:\d{1,2}(:\d{1,2})? "
            r"[+-]\d{4}\Z"
        ),
    )
)
def test_any_start_time_is_a_believable_moment_or_none(text: str) -> None:
    """Whatever RecordingStartTime holds, never an exception (the callback's 500)."""
    moment = start_time(text)
    assert moment is None or (moment.tzinfo is UTC and moment.year >= 2000)
