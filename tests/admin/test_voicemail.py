"""The Voicemail page: messages newest first with their extension, a player streaming the
recording through voiceapp (a file of ours, or the carrier's with its credentials kept on
the server), "Mark as heard" and Delete."""

from __future__ import annotations

import base64
import html
import logging
import re
from datetime import UTC, datetime

import pytest

from voiceapp.carrier import recordings
from voiceapp.core.models import Voicemail
from voiceapp.core.settings import Settings
from voiceapp.emulator.recordings import write_recording
from voiceapp.switchboard import extensions, voicemail

from ..carrier_double import (
    ACCOUNT_SID,
    RECORDING_SID,
    CarrierDouble,
    carrier_double,
    carrier_url,
)
from ..conftest import AUTH_TOKEN, PUBLIC_URL
from .conftest import (
    Browser,
    admin_with_carrier_at,
    streams_with_ranges,
)

OTHER_SID = "RE" + "2" * 32


def message(
    call_sid: str, url: str, sid: str | None = RECORDING_SID, extension: str = "201"
) -> voicemail.Message:
    return voicemail.Message(
        extension_number=extension,
        call_sid=call_sid,
        caller="+33612345678",
        called="+33180000001",
        recording=voicemail.Recording(url=url, sid=sid or "", duration_seconds=42),
    )


def audio_url(message: Voicemail) -> str:
    return f"/admin/voicemail/{message.pk}/audio"


def note_of(page: str) -> str:
    found = re.search(r'<p class="audio-note" role="note">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


async def heard_at(message: Voicemail) -> datetime | None:
    return (await Voicemail.get(pk=message.pk)).heard_at


@pytest.fixture
async def local_message(settings: Settings) -> tuple[Voicemail, bytes]:
    """A message whose recording is a file of ours (as the emulator leaves), 3 s long."""
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    path = write_recording(settings.media_dir, RECORDING_SID, 3)
    saved = await voicemail.save_message(message("CA1", carrier_url("https://api.twilio.com")))
    return saved, path.read_bytes()


# ---- the page ----------------------------------------------------------------------------


async def test_messages_are_listed_newest_first_with_their_extension(
    admin: Browser, settings: Settings
) -> None:
    assert "No messages." in (await admin.get("/admin/voicemail")).text
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    write_recording(settings.media_dir, RECORDING_SID, 1)
    first = await voicemail.save_message(message("CA1", "https://api.twilio.com/x", RECORDING_SID))
    second = await voicemail.save_message(
        message("CA2", carrier_url("https://api.twilio.com", OTHER_SID), OTHER_SID, "299")
    )
    page = (await admin.get("/admin/voicemail")).text
    assert page.index(f'data-message="{second.pk}"') < page.index(f'data-message="{first.pk}"')
    assert "For extension 201 · Alice, called on +33180000001" in page
    assert "For extension 299, called on +33180000001" in page  # removed: its number stays
    assert "+33612345678" in page and "0:42" in page
    assert page.count('<span class="badge">New</span>') == 2 and "2 new messages" in page
    player = f'<audio controls preload="none" src="{PUBLIC_URL}/admin/voicemail/{first.pk}/audio"'
    assert player in page
    # No carrier account: the second one's note says so before anyone presses play.
    assert "no carrier account is set" in note_of(page)


async def test_a_recording_url_that_is_not_a_web_link_is_not_linked(admin: Browser) -> None:
    await voicemail.save_message(message("CA1", "javascript:alert(1)", sid=None))
    page = (await admin.get("/admin/voicemail", headers={"Accept-Language": "es"})).text
    assert "javascript:" not in page
    assert "Buzón de voz" in page
    assert "<audio" not in page
    assert note_of(page).startswith("Esta grabación no está en la API del operador")


# ---- the audio endpoint: a file of ours ------------------------------------------------


async def test_the_recording_needs_a_login(
    visitor: Browser, local_message: tuple[Voicemail, bytes]
) -> None:
    saved, _ = local_message
    response = await visitor.get(audio_url(saved))
    assert response.status_code == 303
    assert (
        f"/admin/login?next=%2Fadmin%2Fvoicemail%2F{saved.pk}%2Faudio"
        in (response.headers["location"])
    )
    assert await heard_at(saved) is None


async def test_the_recording_streams_with_ranges(
    admin: Browser, local_message: tuple[Voicemail, bytes]
) -> None:
    saved, audio = local_message
    await streams_with_ranges(admin, audio_url(saved), audio)
    for unknown in ("/admin/voicemail/999/audio", f"/admin/voicemail/{2**40}/audio"):
        assert (await admin.get(unknown)).status_code == 404


async def test_pressing_play_marks_the_message_heard(
    admin: Browser, local_message: tuple[Voicemail, bytes]
) -> None:
    saved, _ = local_message
    seek = await admin.get(audio_url(saved), headers={"Range": "bytes=5000-"})
    assert seek.status_code == 206
    assert await heard_at(saved) is None  # a seek is not a play
    await admin.get(audio_url(saved), headers={"Range": "bytes=0-"})
    first = await heard_at(saved)
    assert first is not None
    await admin.get(audio_url(saved))
    assert await heard_at(saved) == first  # the first time is kept
    page = (await admin.get("/admin/voicemail")).text
    assert "badge" not in page and "Mark as heard" not in page and "0 new messages" in page


async def test_mark_as_heard_keeps_the_first_moment(
    admin: Browser, local_message: tuple[Voicemail, bytes]
) -> None:
    saved, _ = local_message
    action = f"/admin/voicemail/{saved.pk}/heard"
    response = await admin.submit("/admin/voicemail", action, {})
    assert response.status_code == 303
    first = await heard_at(saved)
    assert first is not None and first <= datetime.now(UTC)
    page = (await admin.get("/admin/voicemail")).text
    assert "The message from +33612345678 is marked as heard." in page
    assert '<span class="badge">' not in page
    await admin.submit("/admin/voicemail", action, {})
    assert await heard_at(saved) == first
    forged = await admin.client.post(action, data={"csrf_token": "forged"})
    assert forged.status_code == 403


async def test_delete_removes_the_message_and_its_file(
    admin: Browser, local_message: tuple[Voicemail, bytes], settings: Settings
) -> None:
    saved, _ = local_message
    page = f"/admin/voicemail/{saved.pk}/delete"
    asked = await admin.get(page)
    assert asked.status_code == 200 and "Delete the message from +33612345678?" in asked.text
    response = await admin.submit(page, page, {})
    assert response.status_code == 303
    assert not await Voicemail.exists(pk=saved.pk)
    assert not recordings.local_file(settings.media_dir, RECORDING_SID).exists()
    shown = (await admin.get("/admin/voicemail")).text
    assert "The message from +33612345678 and its recording are deleted." in shown


async def test_deleting_a_recording_voiceapp_cannot_reach_says_it_was_left(
    admin: Browser,
) -> None:
    saved = await voicemail.save_message(message("CA1", "https://example.net/RE1", sid="RE1"))
    page = f"/admin/voicemail/{saved.pk}/delete"
    await admin.submit(page, page, {})
    assert not await Voicemail.exists(pk=saved.pk)
    shown = (await admin.get("/admin/voicemail")).text
    assert "Its recording was left where it is" in shown


# ---- the carrier's recordings, through the REST double -----------------------------------


async def carrier_message(double: CarrierDouble) -> Voicemail:
    return await voicemail.save_message(message("CA1", carrier_url(double.base_url)))


def secrets_in(text: str) -> list[str]:
    basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    return [secret for secret in (AUTH_TOKEN, basic) if secret in text]


async def test_a_carrier_recording_is_fetched_with_the_accounts_credentials(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    double.recordings[RECORDING_SID] = wav
    saved = await carrier_message(double)
    page = (await carrier_admin.get("/admin/voicemail")).text
    assert f"/admin/voicemail/{saved.pk}/audio" in page and note_of(page) == ""
    whole = await carrier_admin.get(audio_url(saved))
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.content == wav
    part = await carrier_admin.get(audio_url(saved), headers={"Range": "bytes=44-143"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 44-143/{len(wav)}"
    assert part.content == wav[44:144]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.wav"
    assert [(s.method, s.path, s.user, s.password, s.range) for s in double.requests] == [
        ("GET", path, ACCOUNT_SID, AUTH_TOKEN, None),
        ("GET", path, ACCOUNT_SID, AUTH_TOKEN, "bytes=44-143"),
    ]
    assert await heard_at(saved) is not None
    # The credentials reach the carrier only: not the page, not the log.
    assert secrets_in(page) == [] and secrets_in(whole.headers.__repr__()) == []
    assert secrets_in(caplog.text) == []


async def test_the_credentials_do_not_follow_a_redirect_to_another_host(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes
) -> None:
    async with carrier_double() as media_store:
        double.recordings[RECORDING_SID] = b"only a redirect"
        double.redirect_to = media_store.base_url
        media_store.recordings[RECORDING_SID] = wav
        saved = await carrier_message(double)
        response = await carrier_admin.get(audio_url(saved))
    assert response.status_code == 200 and response.content == wav
    assert [(s.user, s.password) for s in double.requests] == [(ACCOUNT_SID, AUTH_TOKEN)]
    assert [(s.user, s.password) for s in media_store.requests] == [("", "")]


async def test_a_carrier_that_ignores_ranges_still_lets_the_player_seek(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes
) -> None:
    double.recordings[RECORDING_SID] = wav
    double.ranges = False
    saved = await carrier_message(double)
    part = await carrier_admin.get(audio_url(saved), headers={"Range": "bytes=20000-"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 20000-{len(wav) - 1}/{len(wav)}"
    assert part.content == wav[20000:]
    past = await carrier_admin.get(audio_url(saved), headers={"Range": f"bytes={len(wav)}-"})
    assert past.status_code == 416


@pytest.mark.parametrize(
    ("refuse", "status", "says"),
    [
        (None, 404, "The carrier no longer has this recording: it was deleted there."),
        (401, 502, "The carrier refused voiceapp's credentials (HTTP 401): check"),
        (500, 502, "The carrier could not send this recording (HTTP 500); try again later."),
    ],
)
async def test_a_carrier_failure_is_a_clear_message(
    carrier_admin: Browser,
    double: CarrierDouble,
    caplog: pytest.LogCaptureFixture,
    refuse: int | None,
    status: int,
    says: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    double.refuse = refuse
    saved = await carrier_message(double)  # not in double.recordings: a 404 there
    response = await carrier_admin.get(audio_url(saved))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith(says)
    assert secrets_in(response.text) == [] and secrets_in(caplog.text) == []
    assert await heard_at(saved) is None
    french = await carrier_admin.get(audio_url(saved), headers={"Accept-Language": "fr"})
    assert "opérateur" in french.text


async def test_a_carrier_that_does_not_answer_is_given_up_on(
    carrier_admin: Browser,
    double: CarrierDouble,
    wav: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recordings, "FETCH_TIMEOUT", 0.5)
    double.recordings[RECORDING_SID] = wav
    double.delay = 2.0
    saved = await carrier_message(double)
    response = await carrier_admin.get(audio_url(saved))
    assert response.status_code == 502
    assert response.text == "The carrier did not answer within 0.5 seconds; try again later."


async def test_a_carrier_that_cannot_be_reached_is_a_clear_message(
    settings: Settings,
) -> None:
    # Port 9 (discard): nothing listens.
    async with admin_with_carrier_at(settings, "http://127.0.0.1:9") as browser:
        saved = await voicemail.save_message(message("CA1", carrier_url("http://127.0.0.1:9")))
        response = await browser.get(audio_url(saved))
        assert response.status_code == 502
        assert response.text == "The carrier could not be reached; try again later."
        page = f"/admin/voicemail/{saved.pk}/delete"
        refused = await browser.submit(page, page, {})
        assert refused.status_code == 409
        assert "The carrier could not be reached to delete the recording" in refused.text
        assert await Voicemail.exists(pk=saved.pk)


async def test_delete_deletes_the_recording_at_the_carrier(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes
) -> None:
    double.recordings[RECORDING_SID] = wav
    saved = await carrier_message(double)
    page = f"/admin/voicemail/{saved.pk}/delete"
    response = await carrier_admin.submit(page, page, {})
    assert response.status_code == 303
    assert not await Voicemail.exists(pk=saved.pk)
    assert RECORDING_SID not in double.recordings
    [sent] = double.requests
    assert (sent.method, sent.path, sent.user, sent.password) == (
        "DELETE",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.json",
        ACCOUNT_SID,
        AUTH_TOKEN,
    )


async def test_a_recording_already_gone_at_the_carrier_does_not_hold_the_message(
    carrier_admin: Browser, double: CarrierDouble
) -> None:
    saved = await carrier_message(double)  # the double has no such recording: 404
    page = f"/admin/voicemail/{saved.pk}/delete"
    assert (await carrier_admin.submit(page, page, {})).status_code == 303
    assert not await Voicemail.exists(pk=saved.pk)


@pytest.mark.parametrize("refuse", [401, 500])
async def test_a_carrier_that_refuses_to_delete_keeps_the_message(
    carrier_admin: Browser, double: CarrierDouble, wav: bytes, refuse: int
) -> None:
    double.recordings[RECORDING_SID] = wav
    double.refuse = refuse
    saved = await carrier_message(double)
    page = f"/admin/voicemail/{saved.pk}/delete"
    response = await carrier_admin.submit(page, page, {})
    assert response.status_code == 409
    assert (
        f"The carrier refused to delete the recording (HTTP {refuse}), so it is kept."
        in html.unescape(response.text)
    )
    assert await Voicemail.exists(pk=saved.pk)
    assert secrets_in(response.text) == []
