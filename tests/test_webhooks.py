"""Webhook security and failure handling: signatures, garbage input, a broken database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from voiceapp.app import create_app
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.webhooks.endpoint import MAX_FIELDS, clean
from voiceapp.webhooks.signature import HEADER, sign

from .apology import errors_logged, is_apology
from .conftest import (
    AUTH_TOKEN,
    FR_NUMBER,
    PUBLIC_URL,
    DatabaseTemplates,
    make_settings,
    provision_conference,
)
from .twiml import parse, verbs

CALL = {"CallSid": "CA" + "1" * 32, "From": "+33612345678", "To": FR_NUMBER}
GATHER_ID = "/voice/gather?step=ask_id&lang=fr&tries=0&quiet=0"
VOICE_PATHS = [
    "/voice/incoming",
    GATHER_ID,
    "/voice/silence?step=ask_pin&lang=es&tries=1&quiet=0&room=1",
    "/voice/conference-status",
    "/voice/status",
    "/voice/hold?lang=fr",
    "/voice/fallback",
]


async def signed_post(
    client: httpx.AsyncClient, path: str, data: dict[str, str], token: str = AUTH_TOKEN
) -> httpx.Response:
    url = PUBLIC_URL + path
    return await client.post(url, data=data, headers={HEADER: sign(token, url, data)})


@pytest.fixture
async def client(conference: Carrier) -> AsyncIterator[httpx.AsyncClient]:
    """The same app the emulator talks to, for hand-made requests."""
    yield conference.client


@pytest.mark.parametrize("path", VOICE_PATHS)
async def test_unsigned_request_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(PUBLIC_URL + path, data=CALL)
    assert response.status_code == 403


async def test_signature_with_wrong_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await signed_post(client, "/voice/incoming", CALL, token="not-the-token")
    assert response.status_code == 403


async def test_a_form_of_more_fields_than_a_carrier_sends_is_refused(
    client: httpx.AsyncClient,
) -> None:
    padded = {**CALL, **{f"Extra{n}": "x" for n in range(MAX_FIELDS)}}
    response = await signed_post(client, "/voice/incoming", padded)
    assert response.status_code == 403
    # The same call without the padding is answered.
    assert (await signed_post(client, "/voice/incoming", CALL)).status_code == 200


async def test_signed_state_cannot_be_changed(client: httpx.AsyncClient) -> None:
    """The carrier signs the query too: a request signed for tries=0 cannot claim tries=2."""
    data = {**CALL, "Digits": "999"}
    signature = sign(AUTH_TOKEN, PUBLIC_URL + GATHER_ID, data)
    forged = GATHER_ID.replace("tries=0", "tries=2")
    response = await client.post(PUBLIC_URL + forged, data=data, headers={HEADER: signature})
    assert response.status_code == 403


async def test_signature_checked_against_public_url_not_request_host(
    client: httpx.AsyncClient,
) -> None:
    """Behind a TLS proxy the app is reached on http://inner-host; the carrier signed
    the public https URL, and that is what must validate."""
    signature = sign(AUTH_TOKEN, PUBLIC_URL + "/voice/incoming", CALL)
    response = await client.post(
        "http://10.0.0.5:8000/voice/incoming", data=CALL, headers={HEADER: signature}
    )
    assert response.status_code == 200
    inner = sign(AUTH_TOKEN, "http://10.0.0.5:8000/voice/incoming", CALL)
    response = await client.post(
        "http://10.0.0.5:8000/voice/incoming", data=CALL, headers={HEADER: inner}
    )
    assert response.status_code == 403


async def test_no_auth_token_configured_refuses_everything(database_url: str) -> None:
    settings = make_settings(database_url, TWILIO_AUTH_TOKEN="")
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        response = await client.post(
            PUBLIC_URL + "/voice/incoming", data=CALL, headers={HEADER: sign("", "x", CALL)}
        )
    assert response.status_code == 403


GARBAGE_DIGITS = [
    "abc",
    "9" * 400,
    "١٢٣٤",  # Arabic-Indic digits
    "12\x0034",
    "",
    "#",
    "*#*#",
    "1234' OR 1=1 --",
    "😀",
    "\u202e1234",  # right-to-left override
]


@pytest.mark.parametrize("digits", GARBAGE_DIGITS)
@pytest.mark.parametrize(
    "path", [GATHER_ID, "/voice/gather?step=ask_pin&lang=es&tries=0&quiet=0&room=1"]
)
async def test_garbage_digits_get_valid_twiml(
    client: httpx.AsyncClient,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    path: str,
    digits: str,
) -> None:
    response = await signed_post(client, path, {**CALL, "Digits": digits})
    assert response.status_code == 200
    root = parse(response.content)
    assert verbs(root)  # the caller hears or is asked something, never an empty answer
    assert root.find(".//Say") is not None
    # Handled as input (asked again, told it is unknown), not crashed on: the endpoint
    # would turn a crash into the apology, which is valid TwiML with a <Say> too.
    assert not is_apology(response.content, settings), response.text
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "query", ["step=nope&lang=xx&tries=-1&quiet=abc&room=zz", "", "room=999999999999"]
)
async def test_unreadable_state_restarts_the_flow(client: httpx.AsyncClient, query: str) -> None:
    path = "/voice/gather" + (f"?{query}" if query else "")
    response = await signed_post(client, path, {**CALL, "Digits": "5555"})
    assert response.status_code == 200
    assert parse(response.content).find("Dial/Conference") is not None


async def test_state_lives_in_the_url_not_the_process(
    conference: Carrier, settings: Settings
) -> None:
    """A second app instance (another worker) carries on a call the first one started."""
    first = await signed_post(conference.client, "/voice/incoming", CALL)
    action = parse(first.content).find("Gather")
    assert action is not None
    path = action.get("action", "").removeprefix(PUBLIC_URL)
    async with in_process_carrier(settings) as other_worker:
        step = await signed_post(other_worker.client, path, {**CALL, "Digits": "1234"})
        gather = parse(step.content).find("Gather")
        assert gather is not None
        assert "step=ask_pin" in gather.get("action", "")


async def test_database_failure_mid_call_still_answers_twiml(
    conference: Carrier, caplog: pytest.LogCaptureFixture
) -> None:
    await signed_post(conference.client, "/voice/incoming", CALL)
    connection = connections.get("default")
    await connection.execute_script("ALTER TABLE room RENAME TO room_gone")
    response = await signed_post(conference.client, GATHER_ID, {**CALL, "Digits": "5555"})
    assert response.status_code == 200
    root = parse(response.content)
    assert verbs(root) == ["Say", "Hangup"]
    say = root.find("Say")
    assert say is not None
    assert say.get("language") == "fr-FR"
    assert "problème technique" in (say.text or "")
    assert CALL["CallSid"] in caplog.text


async def test_unreachable_database_apologises_in_both_languages(tmp_path: object) -> None:
    settings = make_settings(f"sqlite://{tmp_path}/missing/dir/voiceapp.sqlite3")
    async with in_process_carrier(settings) as carrier:
        response = await signed_post(carrier.client, "/voice/incoming", CALL)
    assert response.status_code == 200
    root = parse(response.content)
    assert verbs(root) == ["Say", "Say", "Hangup"]
    assert [say.get("language") for say in root.iter("Say")] == ["fr-FR", "es-ES"]


async def test_a_worker_answers_at_once_without_its_sqlite_file_and_again_once_it_is_back(
    tmp_path: Path, database_templates: DatabaseTemplates, caplog: pytest.LogCaptureFixture
) -> None:
    """The file cannot be opened (its directory is missing): the caller hears the apology
    as soon as the database says so, not once the webhook's deadline has passed; once the
    file is there, the same worker greets callers again. (The ORM's SQLite client kept
    its lock when opening failed: every query after the first waited for good.)"""
    path = tmp_path / "missing" / "voiceapp.sqlite3"
    migrated = tmp_path / "migrated.sqlite3"
    await database_templates.copy_sqlite(migrated)
    settings = make_settings(f"sqlite://{path}")
    async with in_process_carrier(settings) as carrier:
        for _ in range(2):
            response = await signed_post(carrier.client, "/voice/incoming", CALL)
            assert is_apology(response.content, settings)
        assert "unable to open database file" in caplog.text
        assert "took over" not in caplog.text  # no query waited for the deadline
        path.parent.mkdir()
        migrated.rename(path)
        await provision_conference(settings)
        response = await signed_post(carrier.client, "/voice/incoming", CALL)
        assert not is_apology(response.content, settings)
        assert verbs(parse(response.content)) == ["Gather", "Redirect"]


async def test_fallback_route_needs_no_database(tmp_path: object) -> None:
    settings = make_settings(f"sqlite://{tmp_path}/missing/dir/voiceapp.sqlite3")
    async with in_process_carrier(settings) as carrier:
        response = await signed_post(carrier.client, "/voice/fallback", CALL)
    assert response.status_code == 200
    assert verbs(parse(response.content)) == ["Say", "Say", "Hangup"]


async def test_hold_music_is_served_by_us(client: httpx.AsyncClient) -> None:
    response = await signed_post(client, "/voice/hold?lang=es", CALL)
    root = parse(response.content)
    for element in root.iter():
        for value in [*(element.attrib.values()), element.text or ""]:
            assert "twimlets" not in value and "twilio.com" not in value
    redirect = root.find("Redirect")
    assert redirect is not None
    assert (redirect.text or "").startswith(PUBLIC_URL + "/voice/hold")


def test_form_values_lose_control_and_format_characters() -> None:
    assert clean("  +33612345678 ") == "+33612345678"
    assert clean("CA12\x0034\t56\x7f") == "CA123456"
    assert clean("+3361\u202e2345678") == "+33612345678"  # right-to-left override
    assert clean("Élodie\u200b Martín") == "Élodie Martín"  # zero-width space
    assert clean("9" * 100) == "9" * 64
    assert clean(None) == ""
