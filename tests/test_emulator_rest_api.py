"""The emulator answers the carrier's REST API for the conferences it holds, as Twilio
does: the twilio library's own client mutes, holds, removes, announces and ends, and the
conference changes and sends its callbacks; without the account's credentials, a 401.
"""

from __future__ import annotations

import asyncio
import signal
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from voiceapp.admin import test_call_slots
from voiceapp.app import create_app
from voiceapp.carrier import accounts
from voiceapp.carrier.conference_control import control_for
from voiceapp.core.db import database
from voiceapp.core.models import EmulatedCarrier, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier, EmulatedCall
from voiceapp.emulator.rest_api import serving_rest_api
from voiceapp.emulator.sids import random_account_sid

from .conftest import AUTH_TOKEN, FR_NUMBER, provision_conference
from .test_emulator_conference import BASE, ROOM, TOKEN, WAIT, TwimlApp, joined
from .test_emulator_interactive import callers_in, start_call, wait_for_caller

API = "/2010-04-01/Accounts/{account}"


@pytest.fixture
def app() -> TwimlApp:
    return TwimlApp()


@pytest.fixture
async def emulated(app: TwimlApp, tmp_path: Path) -> AsyncIterator[Carrier]:
    transport = httpx.ASGITransport(app=app.app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield Carrier(client, BASE, TOKEN, media_dir=tmp_path, account_sid=random_account_sid())


@pytest.fixture
async def api_url(emulated: Carrier) -> AsyncIterator[str]:
    async with serving_rest_api(emulated) as url:
        yield url


@pytest.fixture
async def twilio(emulated: Carrier, api_url: str) -> AsyncIterator[Client]:
    http = AsyncTwilioHttpClient(timeout=WAIT)
    client = Client(emulated.account_sid, TOKEN, http_client=http)
    client.api.base_url = api_url
    yield client
    await http.close()


async def two_callers(emulated: Carrier) -> tuple[EmulatedCall, EmulatedCall]:
    return await joined(emulated, "+331"), await joined(emulated, "+332")


async def test_mute_and_unmute_change_the_participant_and_call_back(
    app: TwimlApp, emulated: Carrier, twilio: Client
) -> None:
    first, second = await two_callers(emulated)
    conference = emulated.conferences[ROOM]
    participant = twilio.conferences(conference.sid).participants(second.call_sid)

    muted = await participant.update_async(muted=True)
    assert (muted.muted, muted.call_sid, muted.conference_sid) == (
        True,
        second.call_sid,
        conference.sid,
    )
    assert muted.status == "connected" and muted.date_updated is not None
    assert conference.find(second.call_sid).muted  # type: ignore[union-attr]
    await conference.settled()
    assert app.event("participant-mute", second)["Muted"] == "true"
    assert second.kinds()[-1] == "muted"

    unmuted = await participant.update_async(muted=False)
    assert unmuted.muted is False
    await conference.settled()
    assert app.event("participant-unmute", second)["Muted"] == "false"

    held = await participant.update_async(hold=True)
    assert held.hold is True
    await conference.settled()
    assert app.event("participant-hold", second)["Hold"] == "true"
    assert "held" in second.kinds()

    listed = await twilio.conferences(conference.sid).participants.list_async()
    assert [p.call_sid for p in listed] == [first.call_sid, second.call_sid]
    fetched = await twilio.conferences(conference.sid).fetch_async()
    assert (fetched.friendly_name, fetched.status) == (ROOM, "in-progress")
    assert "mute" not in first.kinds()  # only the one asked for
    await first.hangup()
    await second.hangup()


async def test_removing_a_caller_sends_them_to_the_dial_action(
    app: TwimlApp, emulated: Carrier, twilio: Client
) -> None:
    first, second = await two_callers(emulated)
    staying = asyncio.create_task(second.stay())
    conference = emulated.conferences[ROOM]
    assert await twilio.conferences(conference.sid).participants(second.call_sid).delete_async()
    assert conference.participants == [first.call_sid]  # gone at once
    await asyncio.wait_for(staying, WAIT)

    leave = app.event("participant-leave", second)
    assert (leave["ParticipantCallStatus"], leave["ReasonParticipantLeft"]) == (
        "in-progress",
        "participant_kicked",
    )
    menu = app.callbacks("/voice/menu")
    assert [(m["CallSid"], m["DialCallStatus"]) for m in menu] == [(second.call_sid, "completed")]
    assert "removed" in second.kinds() and second.said[-1] == "goodbye"
    assert not conference.ended  # the other caller is still there
    # Gone: the emulated knows no such participant any more.
    with pytest.raises(TwilioRestException) as gone:
        await twilio.conferences(conference.sid).participants(second.call_sid).delete_async()
    assert gone.value.status == 404
    await first.hangup()


async def test_ending_the_conference_takes_everyone_out(
    app: TwimlApp, emulated: Carrier, twilio: Client
) -> None:
    first, second = await two_callers(emulated)
    stays = [asyncio.create_task(call.stay()) for call in (first, second)]
    conference = emulated.conferences[ROOM]
    ended = await twilio.conferences(conference.sid).update_async(status="completed")
    assert ended.status == "completed"
    assert ended.reason_conference_ended == "conference-ended-via-api"
    await asyncio.wait_for(asyncio.gather(*stays), WAIT)

    assert app.status_events()[-3:] == ["participant-leave", "participant-leave", "conference-end"]
    assert {f["ParticipantCallStatus"] for f in app.callbacks()[-3:-1]} == {"in-progress"}
    assert app.event("conference-end")["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert sorted(m["CallSid"] for m in app.callbacks("/voice/menu")) == sorted(
        [first.call_sid, second.call_sid]
    )
    assert "ended" in first.kinds() and "ended" in second.kinds()
    # Over: the conference is no longer the emulated's to change.
    with pytest.raises(TwilioRestException) as over:
        await twilio.conferences(conference.sid).update_async(status="completed")
    assert over.value.status == 404


async def test_announcements_are_fetched_and_heard(
    app: TwimlApp, emulated: Carrier, twilio: Client, api_url: str
) -> None:
    first, second = await two_callers(emulated)
    conference = emulated.conferences[ROOM]
    await twilio.conferences(conference.sid).update_async(announce_url=f"{BASE}/announce")
    await conference.settled()
    for call in (first, second):
        announced = [e for e in call.events if e.kind == "announce"]
        assert [(e.text, e.language) for e in announced] == [("la salle ferme", "fr-FR")]
    # To one caller only: fetched with their CallSid.
    await (
        twilio.conferences(conference.sid)
        .participants(first.call_sid)
        .update_async(announce_url=f"{BASE}/announce")
    )
    await conference.settled()
    fetched = app.callbacks("/announce")
    assert [f.get("CallSid") for f in fetched] == [None, first.call_sid]
    assert [e.kind for e in first.events].count("announce") == 2
    assert [e.kind for e in second.events].count("announce") == 1
    await first.hangup()
    await second.hangup()


async def test_credentials_and_unknown_sids(
    emulated: Carrier, api_url: str, twilio: Client
) -> None:
    call = await joined(emulated, "+331")
    conference = emulated.conferences[ROOM]
    path = api_url + API.format(account=emulated.account_sid)
    participant = f"{path}/Conferences/{conference.sid}/Participants/{call.call_sid}.json"
    async with httpx.AsyncClient() as http:
        refusals = [await http.post(participant, data={"Muted": "true"})]
        for wrong in ((emulated.account_sid, "wrong"), ("AC" + "1" * 32, TOKEN)):
            refusals.append(await http.post(participant, data={"Muted": "true"}, auth=wrong))
        assert [(r.status_code, r.json()["code"]) for r in refusals] == [(401, 20003)] * 3
        assert not conference.find(call.call_sid).muted  # type: ignore[union-attr]
        good = (emulated.account_sid, TOKEN)
        bad = await http.post(participant, data={"Muted": "maybe"}, auth=good)
        assert bad.status_code == 400
        unknown = f"{path}/Conferences/CF{'0' * 32}/Participants/{call.call_sid}.json"
        missing = await http.get(unknown, auth=good)
        assert (missing.status_code, missing.json()["code"]) == (404, 20404)
        other_account = participant.replace(emulated.account_sid, "AC" + "2" * 32)
        assert (await http.get(other_account, auth=good)).status_code == 404

    described = await twilio.calls(call.call_sid).fetch_async()
    assert described.status == "in-progress"
    await call.hangup()
    assert (await twilio.calls(call.call_sid).fetch_async()).status == "completed"
    with pytest.raises(TwilioRestException) as unknown_call:
        await twilio.calls("CA" + "0" * 32).fetch_async()
    assert unknown_call.value.status == 404


async def test_a_recording_points_at_the_api_which_deletes_it(
    app: TwimlApp, emulated: Carrier, api_url: str, twilio: Client, tmp_path: Path
) -> None:
    app.callers["+331"] = {
        "record": "record-from-start",
        "recordingStatusCallback": "/voice/recording-status",
    }
    first, second = await two_callers(emulated)
    await asyncio.sleep(1.1)
    await first.hangup()
    await second.hangup()
    [posted] = app.callbacks("/voice/recording-status")
    sid = posted["RecordingSid"]
    url = f"{api_url}/2010-04-01/Accounts/{emulated.account_sid}/Recordings/{sid}"
    assert posted["RecordingUrl"] == url
    async with httpx.AsyncClient(auth=(emulated.account_sid, TOKEN)) as http:
        audio = await http.get(url + ".wav")
    assert audio.headers["content-type"] == "audio/wav"
    path = tmp_path / "recordings" / f"{sid}.wav"
    with wave.open(str(path), "rb") as sound:
        assert sound.getnframes() / sound.getframerate() == int(posted["RecordingDuration"])
    assert audio.content == path.read_bytes()

    assert await twilio.api.v2010.accounts(emulated.account_sid).recordings(sid).delete_async()
    assert not path.exists()
    with pytest.raises(TwilioRestException) as gone:
        await twilio.api.v2010.accounts(emulated.account_sid).recordings(sid).delete_async()
    assert gone.value.status == 404


async def test_the_api_stops_with_its_block(emulated: Carrier) -> None:
    async with serving_rest_api(emulated) as url:
        assert emulated.api_url == url
    assert emulated.api_url is None
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(url + "/2010-04-01/Accounts/x/Calls/y.json")


# ---- voiceapp call --stay: the server's controls find the call -------------------------------


@pytest.mark.slow
async def test_call_stay_serves_its_api_registered_until_it_hangs_up(
    conference: Carrier, settings: Settings
) -> None:
    process = await start_call(settings, stay=120)
    try:
        await _controls_reach_the_staying_call(process, settings)
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 130, err.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    assert not await EmulatedCarrier.exists()  # forgotten as it stopped
    assert await callers_in("1234") == []


async def _controls_reach_the_staying_call(
    process: asyncio.subprocess.Process, settings: Settings
) -> None:
    assert process.stdout is not None
    api_url = None
    async with asyncio.timeout(30):
        while api_url is None:
            line = (await process.stdout.readline()).decode()
            assert line, "the call ended before saying where its controls are"
            if line.startswith("☰ Live controls reach this call through "):
                api_url = line.split()[-1]
    [registered] = await EmulatedCarrier.all()
    assert registered.api_url == api_url
    seat = await _joined_seat()
    assert seat.account_sid == registered.account_sid
    # The server's way to it: the account the seat's AccountSid names, its own token.
    account = await accounts.account_for(seat.account_sid, settings)
    assert (account.api_url, account.token) == (api_url, AUTH_TOKEN)
    listed_url = f"{api_url}/2010-04-01/Accounts/{account.sid}/Conferences/{seat.conference_sid}"
    async with httpx.AsyncClient(auth=(account.sid, account.token)) as http:
        listed = await http.get(listed_url + "/Participants.json")
    assert [p["call_sid"] for p in listed.json()["participants"]] == [seat.call_sid]


async def _joined_seat() -> Seat:
    """The caller's seat once the carrier's participant-join has been applied."""
    await wait_for_caller("1234")
    for _ in range(300):
        seat = await Seat.get(caller="+33612345678")
        if seat.conference_sid:
            return seat
        await asyncio.sleep(0.1)
    raise AssertionError("the caller's participant-join was never applied")


# ---- the Test call page's carrier: one per worker, reached by the Live controls -------------


async def test_the_test_calls_carrier_serves_the_live_controls_while_the_worker_runs(
    settings: Settings,
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await provision_conference(settings)
        resolved: Settings = app.state.settings
        network = test_call_slots.call_slots(app).network
        carrier = await network.carrier(app, resolved)
        assert carrier is await network.carrier(app, resolved)  # one for the worker
        [registered] = await EmulatedCarrier.all()
        assert (registered.account_sid, registered.api_url) == (
            carrier.account_sid,
            carrier.api_url,
        )
        api_url = registered.api_url

        call = await carrier.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
        seat = await Seat.get(call_sid=call.call_sid)
        assert seat.account_sid == carrier.account_sid and seat.conference_sid
        # voiceapp's own control, as the Live page uses it, reaches the emulated call.
        async with control_for(seat.account_sid, resolved) as control:
            assert await control.set_muted(seat.conference_sid, call.call_sid, True)
        assert call.participant is not None and call.participant.muted
        await call.hangup()
    # The worker stopped (the lifespan's end): its emulator stopped and was forgotten.
    async with database(settings.database_url):
        assert not await EmulatedCarrier.exists()
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{api_url}/2010-04-01/Accounts/x/Calls/y.json")
