"""The Recordings page: the rooms' recorded conferences, all rooms or one, each with a
player streamed through voiceapp (a file of ours, or the carrier's with its credentials
kept on the server) and Delete, at the carrier too. Admins only, as voicemail."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from voiceapp.accounts import admins, profiles
from voiceapp.admin.templating import format_moment
from voiceapp.carrier import recordings as audio_store
from voiceapp.conferencing import recordings, rooms
from voiceapp.core.models import AdminUser, ConferenceRecording
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.recordings import write_recording
from voiceapp.switchboard import conference_server, numbers

from ..carrier_double import ACCOUNT_SID, RECORDING_SID, CarrierDouble, carrier_url
from ..conftest import AUTH_TOKEN, FR_NUMBER, PUBLIC_URL
from .conftest import (
    PASSWORD,
    USERNAME,
    Browser,
    admin_with_carrier_at,
    notices,
    open_browser,
    streams_with_ranges,
)

OTHER_SID = "RE" + "2" * 32
CONFERENCE_SID = "CF" + "3" * 32
STARTED = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
PAGE = "/admin/recordings"


async def record(
    conference_id: str, url: str, sid: str = RECORDING_SID, started: datetime = STARTED
) -> ConferenceRecording:
    """A recording of the room's conference, as the carrier's callback leaves it."""
    room = await rooms.get_room(conference_id)
    recorded = recordings.Recorded(sid, url, CONFERENCE_SID, started, 125)
    return await recordings.save_recording(room.pk, recorded)


def audio_url(recording: ConferenceRecording) -> str:
    return f"{PAGE}/{recording.pk}/audio"


def delete_url(recording: ConferenceRecording) -> str:
    return f"{PAGE}/{recording.pk}/delete"


def note_of(page: str) -> str:
    found = re.search(r'<p class="audio-note" role="note">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


def listed(page: str) -> list[str]:
    return re.findall(r'data-recording="(\d+)"', page)


@pytest.fixture
async def azur(settings: Settings) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(settings, name="Salle Azur", conference_id="1234", pin="4321")
    await rooms.add_room(settings, name="Équipe Nord", conference_id="5555")


@pytest.fixture
async def local_recording(settings: Settings, azur: None) -> tuple[ConferenceRecording, bytes]:
    """A recording whose audio is a file of ours (as the emulator leaves it), 3 s long."""
    path = write_recording(settings.media_dir, RECORDING_SID, 3)
    saved = await record("1234", carrier_url("https://api.twilio.com"))
    return saved, path.read_bytes()


# ---- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Recordings", "Conference ID 1234", "All rooms", "Recording, Salle Azur"]),
        ("fr", ["Enregistrements", "Conférence n° 1234", "Toutes les salles"]),
        ("es", ["Grabaciones", "Conferencia n.º 1234", "Todas las salas", "Grabación, Salle Azur"]),
    ],
)
async def test_recordings_are_listed_in_the_admins_language_and_time_zone(
    admin: Browser,
    local_recording: tuple[ConferenceRecording, bytes],
    language: str,
    words: list[str],
) -> None:
    saved, _ = local_recording
    user = await AdminUser.get(username=USERNAME)
    await admins.set_time_zone(user.pk, "America/Mexico_City")
    page = html.unescape((await admin.get(PAGE, headers={"Accept-Language": language})).text)
    assert listed(page) == [str(saved.pk)]
    for word in words:
        assert word in page
    assert "Salle Azur" in page and "2:05" in page
    # 09:30 UTC is 03:30 in Mexico City, in the page's language.
    assert str(format_moment(STARTED, "America/Mexico_City", language)) in page
    assert "03:30" in page or "3:30" in page
    player = f'<audio controls preload="none" src="{PUBLIC_URL}{audio_url(saved)}"'
    assert player in page and note_of(page) == ""
    assert f'href="{PUBLIC_URL}{delete_url(saved)}"' in page


async def test_the_list_is_narrowed_to_one_room(
    admin: Browser, local_recording: tuple[ConferenceRecording, bytes]
) -> None:
    saved, _ = local_recording
    nord = await record("5555", carrier_url("https://api.twilio.com", OTHER_SID), OTHER_SID)
    later = datetime(2025, 3, 5, tzinfo=UTC)
    await ConferenceRecording.filter(pk=nord.pk).update(started_at=later)
    assert listed((await admin.get(PAGE)).text) == [str(nord.pk), str(saved.pk)]
    only_azur = (await admin.get(PAGE, params={"room": "1234"})).text
    assert listed(only_azur) == [str(saved.pk)]
    assert 'data-room="1234" aria-current="page"' in only_azur
    assert listed((await admin.get(PAGE, params={"room": "5555"})).text) == [str(nord.pk)]
    for nothing in ("9999", "abc", "1" * 300, "<script>"):
        page = await admin.get(PAGE, params={"room": nothing})
        assert page.status_code == 200
        assert listed(page.text) == [] and "No recordings of this room." in page.text
        assert "<script>" not in page.text


async def test_the_conferences_page_links_each_room_to_its_recordings(
    admin: Browser, azur: None
) -> None:
    page = (await admin.get("/admin/conferences")).text
    for conference_id in ("1234", "5555"):
        assert f'href="{PUBLIC_URL}{PAGE}?room={conference_id}">Recordings</a>' in page
    empty = (await admin.get(PAGE, params={"room": "1234"})).text
    assert "No recordings of this room." in empty
    assert "recording is turned on in the room's settings" in html.unescape(empty)


async def test_a_deleted_rooms_recordings_stay_listed_under_its_name(
    admin: Browser, local_recording: tuple[ConferenceRecording, bytes]
) -> None:
    saved, _ = local_recording
    await rooms.remove_room("1234")
    page = (await admin.get(PAGE)).text
    assert listed(page) == [str(saved.pk)]
    assert "Salle Azur (deleted)" in page and "Conference ID 1234" in page
    spanish = (await admin.get(PAGE, headers={"Accept-Language": "es"})).text
    assert "Salle Azur (eliminada)" in spanish
    assert listed((await admin.get(PAGE, params={"room": "1234"})).text) == [str(saved.pk)]


async def test_a_recording_voiceapp_cannot_fetch_says_why_before_play(
    admin: Browser, azur: None
) -> None:
    await record("1234", carrier_url("https://api.twilio.com"))  # no account, no file
    page = (await admin.get(PAGE)).text
    assert "<audio" not in page
    assert "no carrier account is set" in note_of(page)


# ---- the audio -----------------------------------------------------------------------------


async def test_the_recording_streams_with_ranges(
    admin: Browser, local_recording: tuple[ConferenceRecording, bytes]
) -> None:
    saved, audio = local_recording
    await streams_with_ranges(admin, audio_url(saved), audio)
    for unknown in (f"{PAGE}/999/audio", f"{PAGE}/{2**40}/audio", f"{PAGE}/0/audio"):
        assert (await admin.get(unknown)).status_code == 404


async def test_the_recording_needs_a_login(
    visitor: Browser, local_recording: tuple[ConferenceRecording, bytes]
) -> None:
    saved, _ = local_recording
    response = await visitor.get(audio_url(saved))
    assert response.status_code == 303
    assert "/admin/login?next=" in response.headers["location"]


@pytest.fixture
async def organizer(visitor: Browser, site_settings: Settings) -> AsyncIterator[Browser]:
    await profiles.create_account("ines", PASSWORD, profiles.Profile(role="organizer"))
    async with open_browser(site_settings) as browser:
        assert (await browser.log_in("ines")).status_code == 303
        yield browser


async def test_an_organizer_cannot_see_or_delete_recordings(
    organizer: Browser, local_recording: tuple[ConferenceRecording, bytes]
) -> None:
    """Voicemail is for admins only; a conference's recording is no less private."""
    saved, _ = local_recording
    for path in (PAGE, audio_url(saved), delete_url(saved)):
        response = await organizer.get(path)
        assert response.status_code == 403, path
        assert "Only admins can open this page" in response.text
    token = await organizer.token("/admin/contacts")
    posted = await organizer.client.post(delete_url(saved), data={"csrf_token": token})
    assert posted.status_code == 403
    assert await ConferenceRecording.exists(pk=saved.pk)
    assert "Recordings" not in (await organizer.get("/admin/meetings")).text


# ---- deleting ------------------------------------------------------------------------------


async def test_delete_asks_then_removes_the_recording_and_its_file(
    admin: Browser, local_recording: tuple[ConferenceRecording, bytes], settings: Settings
) -> None:
    saved, _ = local_recording
    asked = await admin.get(delete_url(saved))
    assert asked.status_code == 200
    start = format_moment(STARTED, None, "en").striptags()  # the admin has no time zone
    assert f"Delete this recording of {start} (Salle Azur)?" in html.unescape(asked.text)
    forged = await admin.client.post(delete_url(saved), data={"csrf_token": "forged"})
    assert forged.status_code == 403 and await ConferenceRecording.exists(pk=saved.pk)
    response = await admin.submit(delete_url(saved), delete_url(saved), {})
    assert response.status_code == 303
    assert not await ConferenceRecording.exists(pk=saved.pk)
    assert not audio_store.local_file(settings.media_dir, RECORDING_SID).exists()
    shown = (await admin.get(PAGE)).text
    assert notices(shown) == [f"The recording of {start} (Salle Azur) is deleted."]
    assert (await admin.get(delete_url(saved))).status_code == 404


async def test_deleting_from_one_rooms_list_returns_to_that_list(
    admin: Browser, local_recording: tuple[ConferenceRecording, bytes]
) -> None:
    """From /admin/recordings?room=1234, Delete, Cancel and the deletion itself all keep
    the room: the admin is not sent back to every room's recordings."""
    saved, _ = local_recording
    page = (await admin.get(f"{PAGE}?room=1234")).text
    asking = f"{delete_url(saved)}?room=1234"
    assert f'href="{PUBLIC_URL}{asking}"' in page
    asked = (await admin.get(asking)).text
    assert f'action="{asking}"' in asked  # the button posts with the room
    assert f'href="{PUBLIC_URL}{PAGE}?room=1234">Cancel</a>' in asked
    response = await admin.submit(asking, asking, {})
    assert response.status_code == 303
    assert response.headers["location"] == f"{PUBLIC_URL}{PAGE}?room=1234"
    assert not await ConferenceRecording.exists(pk=saved.pk)


async def test_deleting_a_recording_voiceapp_cannot_reach_says_it_was_left(
    admin: Browser, azur: None
) -> None:
    saved = await record("1234", "https://example.net/somewhere")
    french = {"Accept-Language": "fr"}
    token = await admin.token(delete_url(saved))
    await admin.client.post(delete_url(saved), data={"csrf_token": token}, headers=french)
    assert not await ConferenceRecording.exists(pk=saved.pk)
    shown = (await admin.get(PAGE, headers=french)).text
    assert "est retiré de la liste" in html.unescape(notices(shown)[0])


async def test_a_carrier_recording_plays_and_is_deleted_at_the_carrier(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes, azur: None
) -> None:
    double.recordings[RECORDING_SID] = wav
    saved = await record("1234", carrier_url(double.base_url))
    part = await carrier_admin.get(audio_url(saved), headers={"Range": "bytes=44-143"})
    assert part.status_code == 206 and part.content == wav[44:144]
    response = await carrier_admin.submit(delete_url(saved), delete_url(saved), {})
    assert response.status_code == 303
    assert not await ConferenceRecording.exists(pk=saved.pk)
    assert RECORDING_SID not in double.recordings
    recording_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
    assert [(s.method, s.path, s.user, s.password) for s in double.requests] == [
        ("GET", recording_path + ".wav", ACCOUNT_SID, AUTH_TOKEN),
        ("DELETE", recording_path + ".json", ACCOUNT_SID, AUTH_TOKEN),
    ]
    assert AUTH_TOKEN not in part.headers.__repr__()


async def test_a_recording_already_gone_at_the_carrier_does_not_hold_the_row(
    carrier_admin: Browser, double: CarrierDouble, azur: None
) -> None:
    saved = await record("1234", carrier_url(double.base_url))  # unknown there: a 404
    assert (await carrier_admin.submit(delete_url(saved), delete_url(saved), {})).status_code == 303
    assert not await ConferenceRecording.exists(pk=saved.pk)


@pytest.mark.parametrize("refuse", [401, 500])
async def test_a_carrier_that_refuses_to_delete_keeps_the_recording(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes, azur: None, refuse: int
) -> None:
    double.recordings[RECORDING_SID] = wav
    double.refuse = refuse
    saved = await record("1234", carrier_url(double.base_url))
    response = await carrier_admin.submit(delete_url(saved), delete_url(saved), {})
    assert response.status_code == 409
    assert (
        f"The carrier refused to delete the recording (HTTP {refuse}), so it is kept."
        in html.unescape(response.text)
    )
    assert await ConferenceRecording.exists(pk=saved.pk)


async def test_a_carrier_that_cannot_be_reached_keeps_the_recording(settings: Settings) -> None:
    # Port 9 (discard): nothing listens.
    async with admin_with_carrier_at(settings, "http://127.0.0.1:9") as browser:
        await conference_server.setup_bridge("800", "fr")
        await rooms.add_room(settings, name="Salle Azur", conference_id="1234")
        saved = await record("1234", carrier_url("http://127.0.0.1:9"))
        audio = await browser.get(audio_url(saved))
        assert audio.status_code == 502
        assert audio.text == "The carrier could not be reached; try again later."
        refused = await browser.submit(delete_url(saved), delete_url(saved), {})
        assert refused.status_code == 409
        assert "The carrier could not be reached to delete the recording" in refused.text
        assert await ConferenceRecording.exists(pk=saved.pk)


# ---- end to end, through the emulator ------------------------------------------------------


async def test_a_conference_recorded_through_the_emulator_is_listed_and_plays(
    admin: Browser, settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await numbers.add_number(FR_NUMBER, "800", "fr")
    await rooms.add_room(settings, name="Salle Azur", conference_id="1234", record=True)
    carrier = Carrier(admin.client, PUBLIC_URL, AUTH_TOKEN, media_dir=settings.media_dir)
    call = await carrier.call(FR_NUMBER, digits=["1234#"], stay=True)
    await call.stay(1.2)  # then hangs up: the last one out, the conference ends
    [recording] = await recordings.list_recordings("1234")
    assert (recording.room_name, recording.conference_id) == ("Salle Azur", "1234")
    assert recording.duration_seconds >= 1
    page = (await admin.get(PAGE)).text
    assert listed(page) == [str(recording.pk)] and note_of(page) == ""
    audio = await admin.get(audio_url(recording))
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF"
    header = await admin.get(audio_url(recording), headers={"Range": "bytes=0-43"})
    assert header.status_code == 206 and header.content == audio.content[:44]
