"""The Dial and Record action webhooks: signatures, retries, odd input, a broken database."""

from __future__ import annotations

import pytest
from tortoise import connections

from voiceapp.core.models import Voicemail
from voiceapp.emulator import Carrier

from .conftest import PUBLIC_URL
from .test_routing import ALICE_NUMBER, CALLER, add_office
from .twiml import parse, verbs

VOICEMAIL = "/voice/voicemail?lang=fr&ext=201"
DIAL_RESULT = "/voice/dial-result?lang=fr&ext=201"
RECORDED = {
    "CallSid": "CA" + "2" * 32,
    "From": CALLER,
    "To": ALICE_NUMBER,
    "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
    "RecordingSid": "RE1",
    "RecordingDuration": "7",
}
# What the caller hears once a message is kept: message_saved, goodbye, then hangup.
SAVED = ["Say", "Say", "Hangup"]
# A message is asked for: why, leave_message, <Record>, then no_input, goodbye, hangup.
ASKED = ["Say", "Say", "Record", "Say", "Say", "Hangup"]


@pytest.fixture
async def office(conference: Carrier) -> Carrier:
    await add_office()
    return conference


@pytest.mark.parametrize("path", [VOICEMAIL, DIAL_RESULT])
async def test_unsigned_request_is_refused(office: Carrier, path: str) -> None:
    data = {**RECORDED, "DialCallStatus": "no-answer"}
    response = await office.client.post(PUBLIC_URL + path, data=data)
    assert response.status_code == 403
    assert await Voicemail.all().count() == 0


async def test_retried_voicemail_webhook_keeps_one_message(office: Carrier) -> None:
    for _ in range(2):
        response = await office.post(PUBLIC_URL + VOICEMAIL, RECORDED)
        assert response.status_code == 200
        assert verbs(parse(response.content)) == SAVED
    assert await Voicemail.filter(call_sid=RECORDED["CallSid"]).count() == 1


async def test_message_for_a_removed_extension_is_still_kept(office: Carrier) -> None:
    response = await office.post(f"{PUBLIC_URL}/voice/voicemail?lang=fr&ext=299", RECORDED)
    assert verbs(parse(response.content)) == SAVED
    message = await Voicemail.get(call_sid=RECORDED["CallSid"])
    assert message.extension_number == "299"
    assert message.extension_id is None  # type: ignore[attr-defined]


async def test_recording_without_url_is_not_kept(office: Carrier) -> None:
    response = await office.post(PUBLIC_URL + VOICEMAIL, {**RECORDED, "RecordingUrl": ""})
    assert verbs(parse(response.content)) == SAVED
    assert await Voicemail.all().count() == 0


@pytest.mark.parametrize("status", ["something-new", "", "\x00"])
async def test_unknown_dial_status_still_takes_a_message(office: Carrier, status: str) -> None:
    response = await office.post(PUBLIC_URL + DIAL_RESULT, {**RECORDED, "DialCallStatus": status})
    assert response.status_code == 200
    root = parse(response.content)
    assert verbs(root) == ASKED
    reason = root.find("Say")
    assert reason is not None
    assert reason.text == "Votre correspondant n'est pas joignable pour le moment."


@pytest.mark.parametrize("query", ["", "lang=xx&ext=abc", "ext=" + "9" * 400, "lang=es&ext=%00"])
async def test_unreadable_state_gets_valid_twiml(office: Carrier, query: str) -> None:
    for path in ("/voice/voicemail", "/voice/dial-result"):
        url = f"{PUBLIC_URL}{path}" + (f"?{query}" if query else "")
        response = await office.post(url, {**RECORDED, "DialCallStatus": "busy"})
        assert response.status_code == 200
        assert verbs(parse(response.content))[-1] == "Hangup"


async def test_database_failure_while_saving_a_message_apologises(office: Carrier) -> None:
    await connections.get("default").execute_script("ALTER TABLE voicemail RENAME TO gone")
    response = await office.post(PUBLIC_URL + VOICEMAIL, RECORDED)
    assert response.status_code == 200
    root = parse(response.content)
    assert verbs(root) == ["Say", "Hangup"]
    assert "problème technique" in (root.findtext("Say") or "")


async def test_a_garbled_recording_duration_still_keeps_the_message(office: Carrier) -> None:
    """ "²" passes str.isdigit() but not int(): the message is kept, its length unknown (0)."""
    response = await office.post(PUBLIC_URL + VOICEMAIL, {**RECORDED, "RecordingDuration": "²"})
    assert verbs(parse(response.content)) == SAVED
    message = await Voicemail.get(call_sid=RECORDED["CallSid"])
    assert message.duration_seconds == 0
