"""Where a recording's audio comes from (carrier/recordings.py), and the emulator's real
voicemail recordings."""

from __future__ import annotations

import array
import dataclasses
import wave
from pathlib import Path

import pytest

from voiceapp.carrier import recordings
from voiceapp.carrier.recordings import CarrierAudio, LocalAudio, NoAudio, local_file, locate
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.recordings import SAMPLE_RATE, write_recording
from voiceapp.switchboard import voicemail

from .carrier_double import ACCOUNT_SID
from .conftest import PUBLIC_URL
from .test_routing import ALICE_NUMBER, add_office

SID = "RE" + "ab" * 16
CARRIER_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{SID}"


def with_account(settings: Settings) -> Settings:
    return dataclasses.replace(settings, account_sid=ACCOUNT_SID)


async def test_a_voicemail_left_through_the_emulator_is_a_real_wav(
    conference: Carrier, settings: Settings
) -> None:
    await add_office()
    await conference.call(ALICE_NUMBER, answer="no-answer", message_seconds=5)
    [message] = await voicemail.list_messages()
    assert message.recording_sid is not None
    path = local_file(settings.media_dir, message.recording_sid)
    with wave.open(str(path), "rb") as sound:
        assert (sound.getnchannels(), sound.getsampwidth(), sound.getframerate()) == (1, 2, 8000)
        assert sound.getnframes() == 5 * SAMPLE_RATE  # the message's length, exactly
        samples = array.array("h", sound.readframes(sound.getnframes()))
    loud = sum(1 for sample in samples if abs(sample) > 1000)
    quiet = sum(1 for sample in samples if sample == 0)
    assert loud > len(samples) // 5  # it says something...
    assert quiet > len(samples) // 50  # ...with pauses, as speech has
    assert max(abs(sample) for sample in samples) < 32767  # never clipped
    assert locate(settings, message.recording_url, message.recording_sid) == LocalAudio(
        path.resolve()
    )


async def test_a_silent_caller_leaves_no_file(conference: Carrier, settings: Settings) -> None:
    await add_office()
    await conference.call(ALICE_NUMBER, answer="no-answer", message_seconds=0)
    assert not (settings.media_dir / recordings.RECORDINGS_DIR).exists()


async def test_the_media_route_never_serves_a_recording(
    carrier: Carrier, settings: Settings
) -> None:
    write_recording(settings.media_dir, SID, 1)
    for path in (f"recordings/{SID}.wav", f"recordings/../recordings/{SID}.wav"):
        response = await carrier.client.get(f"{PUBLIC_URL}/media/{path}")
        assert response.status_code == 404


def test_a_file_of_ours_comes_first(settings: Settings) -> None:
    assert isinstance(locate(with_account(settings), CARRIER_URL, SID), CarrierAudio)
    path = write_recording(settings.media_dir, SID, 1)
    assert locate(with_account(settings), CARRIER_URL, SID) == LocalAudio(path.resolve())


def test_a_carrier_recording_is_fetched_only_from_the_carriers_api(settings: Settings) -> None:
    configured = with_account(settings)
    assert locate(configured, CARRIER_URL, SID) == CarrierAudio(CARRIER_URL, ACCOUNT_SID, SID)
    # The credentials go to the carrier's API only, never to another host.
    for elsewhere in (
        CARRIER_URL.replace("api.twilio.com", "api.twilio.com.example.net"),
        CARRIER_URL.replace("https://", "http://"),
        "https://example.net/" + SID,
        "javascript:alert(1)",
        "",
    ):
        found = locate(configured, elsewhere, SID)
        assert isinstance(found, NoAudio)
        assert found.problem.http_status == 404
        assert "VOICEAPP_CARRIER_API_URL" in found.problem.message
    # No account: said so, before anyone presses play.
    unconfigured = locate(settings, CARRIER_URL, SID)
    assert isinstance(unconfigured, NoAudio)
    assert "TWILIO_ACCOUNT_SID" in unconfigured.problem.message


@pytest.mark.parametrize(
    "sid",
    ["../../../etc/passwd", "RE" + "0" * 31 + "/", "RE" + "g" * 32, f"{SID}.wav", "", None],
)
def test_only_a_recording_sid_names_a_file(settings: Settings, sid: str | None) -> None:
    (settings.media_dir / recordings.RECORDINGS_DIR).mkdir(parents=True)
    found = locate(settings, "https://example.net/x", sid)
    assert isinstance(found, NoAudio)
    with pytest.raises(ValueError, match="not a recording SID"):
        local_file(settings.media_dir, sid or "")


def test_a_link_out_of_the_folder_is_not_followed(settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "secret.wav"
    secret.write_bytes(b"RIFF....")
    folder = settings.media_dir / recordings.RECORDINGS_DIR
    folder.mkdir(parents=True)
    (folder / f"{SID}.wav").symlink_to(secret)
    assert isinstance(locate(settings, "https://example.net/x", SID), NoAudio)
