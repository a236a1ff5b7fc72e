"""Live conference control at the carrier: the exact REST requests voiceapp sends (over
real HTTP, to the carrier double), what a gone participant, refused credentials, a
hanging or absent carrier become, and which account answers for a conference."""

from __future__ import annotations

import base64
import dataclasses
import logging
import socket
import time
from collections.abc import AsyncIterator

import pytest

from voiceapp.carrier import errors
from voiceapp.carrier.accounts import (
    CarrierAccount,
    account_for,
    forget_emulator,
    register_emulator,
)
from voiceapp.carrier.conference_control import ConferenceControl, control_for
from voiceapp.carrier.errors import CarrierError
from voiceapp.carrier.rest import CarrierApi
from voiceapp.core.db import database
from voiceapp.core.models import EmulatedCarrier
from voiceapp.core.settings import Settings

from .carrier_double import ACCOUNT_SID, CarrierDouble, Participant, carrier_double
from .conftest import AUTH_TOKEN, make_settings

CONFERENCE = "CF" + "a" * 32
CALLER = "CA" + "b" * 32
OTHER_CALLER = "CA" + "c" * 32
EMULATOR_SID = "AC" + "e" * 32
ANNOUNCEMENT = "https://voice.example.test/voice/announce?lang=fr&what=locked"
PARTICIPANT_PATH = (
    f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/{CONFERENCE}/Participants/{CALLER}.json"
)
CONFERENCE_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/{CONFERENCE}.json"


@pytest.fixture
async def double() -> AsyncIterator[CarrierDouble]:
    async with carrier_double() as running:
        running.token = AUTH_TOKEN
        running.conferences = {CONFERENCE: {CALLER: Participant(), OTHER_CALLER: Participant()}}
        yield running


def at(double: CarrierDouble, settings: Settings) -> Settings:
    """The settings of a voiceapp whose carrier account is the double's."""
    return dataclasses.replace(settings, account_sid=ACCOUNT_SID, carrier_api_url=double.base_url)


def control(double: CarrierDouble, token: str = AUTH_TOKEN, timeout: float = 5.0) -> CarrierApi:
    account = CarrierAccount(ACCOUNT_SID, token, double.base_url)
    return CarrierApi(make_settings("sqlite://:memory:"), account, request_timeout=timeout)


def sent(double: CarrierDouble) -> list[tuple[str, str, dict[str, str]]]:
    return [(request.method, request.path, request.form) for request in double.requests]


async def test_each_control_sends_twilios_request(double: CarrierDouble) -> None:
    async with control(double) as api:
        live = ConferenceControl(api)
        assert await live.set_muted(CONFERENCE, CALLER, True)
        assert double.conferences[CONFERENCE][CALLER].muted
        assert await live.set_muted(CONFERENCE, CALLER, False)
        assert await live.set_hold(CONFERENCE, CALLER, True)
        assert double.conferences[CONFERENCE][CALLER].hold
        assert await live.set_hold(CONFERENCE, CALLER, False)
        assert await live.announce(CONFERENCE, ANNOUNCEMENT, call_sid=CALLER)
        assert await live.announce(CONFERENCE, ANNOUNCEMENT)
        assert await live.remove(CONFERENCE, CALLER)
        assert await live.end(CONFERENCE)
    assert sent(double) == [
        ("POST", PARTICIPANT_PATH, {"Muted": "true"}),
        ("POST", PARTICIPANT_PATH, {"Muted": "false"}),
        ("POST", PARTICIPANT_PATH, {"Hold": "true"}),
        ("POST", PARTICIPANT_PATH, {"Hold": "false"}),
        ("POST", PARTICIPANT_PATH, {"AnnounceUrl": ANNOUNCEMENT}),
        ("POST", CONFERENCE_PATH, {"AnnounceUrl": ANNOUNCEMENT}),
        ("DELETE", PARTICIPANT_PATH, {}),
        ("POST", CONFERENCE_PATH, {"Status": "completed"}),
    ]
    basic = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert {request.authorization for request in double.requests} == {basic}
    assert double.ended == [CONFERENCE]


async def test_a_participant_or_conference_gone_is_false_not_an_error(
    double: CarrierDouble,
) -> None:
    gone = "CA" + "0" * 32
    async with control(double) as api:
        live = ConferenceControl(api)
        assert await live.set_muted(CONFERENCE, gone, True) is False
        assert await live.set_hold(CONFERENCE, gone, True) is False
        assert await live.announce(CONFERENCE, ANNOUNCEMENT, call_sid=gone) is False
        assert await live.remove(CONFERENCE, gone) is False
        assert await live.remove(CONFERENCE, CALLER) is True
        assert await live.remove(CONFERENCE, CALLER) is False  # removed twice
        assert await live.end(CONFERENCE) is True
        assert await live.end(CONFERENCE) is False  # already over
        assert await live.announce(CONFERENCE, ANNOUNCEMENT) is False
        assert await live.set_muted(CONFERENCE, OTHER_CALLER, True) is False
    assert [request.method for request in double.requests] == ["POST"] * 3 + ["DELETE"] * 3 + [
        "POST"
    ] * 4


async def test_refused_credentials_name_the_settings_never_the_token(
    double: CarrierDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_token = "wrong-token-5f0e9d8c7b6a"
    async with control(double, token=wrong_token) as api:
        with pytest.raises(CarrierError) as refused:
            await ConferenceControl(api).set_muted(CONFERENCE, CALLER, True)
    error = refused.value
    assert error.status == 401
    assert error.message == (
        "the carrier refused voiceapp's credentials (HTTP 401): check TWILIO_ACCOUNT_SID "
        "and TWILIO_AUTH_TOKEN"
    )
    assert "TWILIO_AUTH_TOKEN" in error.in_language("fr")
    assert error.in_language("fr") != error.message
    assert error.in_language("es") not in (error.message, error.in_language("fr"))
    for text in (error.message, error.in_language("fr"), error.in_language("es"), caplog.text):
        assert wrong_token not in text
        assert AUTH_TOKEN not in text
    assert double.requests[0].password == wrong_token  # it was sent, to the carrier only
    assert not double.conferences[CONFERENCE][CALLER].muted


async def test_other_refusals_keep_their_status(double: CarrierDouble) -> None:
    double.refuse = 500
    async with control(double) as api:
        with pytest.raises(CarrierError) as refused:
            await ConferenceControl(api).end(CONFERENCE)
    assert refused.value.status == 500
    assert refused.value.message == "the carrier did not carry out the request (HTTP 500)"
    assert CONFERENCE in double.conferences


async def test_a_carrier_that_hangs_is_given_up_after_the_timeout(double: CarrierDouble) -> None:
    double.hang = True
    started = time.monotonic()
    async with control(double, timeout=0.5) as api:
        with pytest.raises(CarrierError) as hung:
            await ConferenceControl(api).remove(CONFERENCE, CALLER)
        with pytest.raises(CarrierError):
            await api.call_status(CALLER)  # the Calls API too (seat upkeep)
    assert time.monotonic() - started < 3.0
    assert hung.value.status is None
    assert hung.value.message == "the carrier did not answer within 0.5 seconds; try again"
    assert "0,5" in hung.value.in_language("fr") or "0.5" in hung.value.in_language("fr")
    assert len(double.requests) == 2


async def test_an_unreachable_carrier_says_where_it_was_looked_for() -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        account = CarrierAccount(ACCOUNT_SID, AUTH_TOKEN, url)
        settings = make_settings("sqlite://:memory:")
        async with CarrierApi(settings, account, request_timeout=5) as api:
            with pytest.raises(CarrierError) as unreachable:
                await ConferenceControl(api).end(CONFERENCE)
    assert unreachable.value.status is None
    assert unreachable.value.message.startswith(f"the carrier's API at {url} could not be reached")


async def test_a_web_page_instead_of_the_api_is_told_apart(double: CarrierDouble) -> None:
    double.web_page = True
    async with control(double) as api:
        with pytest.raises(CarrierError) as unreadable:
            await ConferenceControl(api).set_hold(CONFERENCE, CALLER, True)
    assert "check VOICEAPP_CARRIER_API_URL" in unreadable.value.message


async def test_the_configured_account_and_api_address(
    double: CarrierDouble, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TWILIO_ACCOUNT_SID and VOICEAPP_CARRIER_API_URL (Twilio's host by default) say who
    and where; the twilio library's own TWILIO_REGION does not move the requests."""
    assert settings.carrier_api_url == "https://api.twilio.com"
    configured = make_settings(
        settings.database_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        VOICEAPP_CARRIER_API_URL=double.base_url + "/",
    )
    twilio = dataclasses.replace(configured, carrier_api_url="https://api.twilio.com")
    async with CarrierApi(twilio) as api:
        assert api.client.api.base_url == "https://api.twilio.com"
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    async with database(settings.database_url):
        async with control_for(None, configured) as live:
            assert await live.set_muted(CONFERENCE, CALLER, True)
        async with control_for("AC" + "9" * 32, configured) as live:  # no such emulator
            assert await live.set_muted(CONFERENCE, CALLER, False)
    assert sent(double) == [
        ("POST", PARTICIPANT_PATH, {"Muted": "true"}),
        ("POST", PARTICIPANT_PATH, {"Muted": "false"}),
    ]


async def test_a_registered_emulator_answers_for_its_calls(
    double: CarrierDouble, settings: Settings
) -> None:
    """An emulator's AccountSid finds its REST API, with the server's token; without it,
    the configured carrier's; with neither, a sentence saying what to set."""
    configured = at(double, settings)
    twilio = CarrierAccount(ACCOUNT_SID, AUTH_TOKEN, double.base_url)
    async with database(settings.database_url):
        assert await account_for(EMULATOR_SID, configured) == twilio
        await register_emulator(EMULATOR_SID, "http://127.0.0.1:9/")
        await register_emulator(EMULATOR_SID, "http://127.0.0.1:8")  # restarted elsewhere
        emulator = CarrierAccount(EMULATOR_SID, AUTH_TOKEN, "http://127.0.0.1:8")
        assert await account_for(EMULATOR_SID, configured) == emulator
        assert await account_for(EMULATOR_SID, settings) == emulator  # no TWILIO_ACCOUNT_SID
        assert await account_for(ACCOUNT_SID, configured) == twilio
        assert await account_for(None, configured) == twilio
        assert await EmulatedCarrier.all().count() == 1
        assert AUTH_TOKEN not in repr(emulator)

        await register_emulator(ACCOUNT_SID, double.base_url)
        async with control_for(ACCOUNT_SID, settings) as live:
            assert await live.set_muted(CONFERENCE, CALLER, True)
        assert double.requests[-1].user == ACCOUNT_SID
        assert double.requests[-1].password == settings.auth_token

        await forget_emulator(EMULATOR_SID)
        await forget_emulator(ACCOUNT_SID)
        assert await account_for(EMULATOR_SID, configured) == twilio
        for account_sid in (EMULATOR_SID, None):
            with pytest.raises(CarrierError) as nowhere:
                await account_for(account_sid, settings)
            assert nowhere.value.message == errors.NO_ACCOUNT
            assert "TWILIO_ACCOUNT_SID" in nowhere.value.in_language("es")
        with pytest.raises(CarrierError):
            async with control_for(None, settings):
                pass
