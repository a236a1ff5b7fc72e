"""Recorded greetings: checking the file, `voiceapp prompts upload`, and what callers hear."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st

from voiceapp.cli import main
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings, get_settings
from voiceapp.emulator import Carrier
from voiceapp.media import audio_check
from voiceapp.media.greetings import find_owner, remove_greeting, replace_greeting
from voiceapp.switchboard import extensions, numbers

from .conftest import FR_NUMBER, PUBLIC_URL, DatabaseTemplates


def pcm_wav(rate: int = 8000, channels: int = 1, seconds: float = 0.5) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x01" * int(rate * seconds) * channels)
    return buffer.getvalue()


def wav_with_format(encoding: int, channels: int, rate: int, bits: int, data: bytes) -> bytes:
    """A WAV whose format chunk says whatever a test needs (mu-law, float, 6 channels)."""
    block = channels * max(bits // 8, 1)
    fmt = struct.pack("<HHIIHH", encoding, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def mp3_frames(count: int = 3) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417-byte frames of silence."""
    header = bytes([0xFF, 0xFB, 0x90, 0x44])
    return (header + bytes(417 - 4)) * count


def test_accepts_pcm_mulaw_wav_and_mp3() -> None:
    assert audio_check.inspect(pcm_wav()) == audio_check.AudioInfo("wav", 8000, 1, "PCM")
    mulaw = wav_with_format(7, 1, 8000, 8, bytes(8000))
    assert audio_check.inspect(mulaw).encoding == "mu-law"
    assert audio_check.inspect(pcm_wav(44100, 2)).channels == 2
    tagged = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) + mp3_frames()
    assert audio_check.inspect(tagged) == audio_check.AudioInfo("mp3", 44100, 2, "MP3")


def id3_tag(body: bytes = bytes(10), footer: bool = False) -> bytes:
    """An ID3v2.4 tag around `body` (its size "syncsafe": 7 bits a byte), with the 10-byte
    footer v2.4 allows, which the size leaves out."""
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    flags = 0x10 if footer else 0
    tag = b"ID3\x04\x00" + bytes([flags]) + size + body
    return tag + b"3DI\x04\x00" + bytes([flags]) + size if footer else tag


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(id3_tag() + id3_tag() + mp3_frames(), id="two-tags"),
        pytest.param(id3_tag(footer=True) + mp3_frames(), id="tag-with-footer"),
        pytest.param(id3_tag() + bytes(64) + mp3_frames(), id="padding-after-tag"),
    ],
)
def test_accepts_mp3_whatever_tags_come_first(data: bytes) -> None:
    """Taggers stack ID3 tags (Windows Media Player), end them with a footer, or pad past
    their size: a player skips to the first frames, and so does the check."""
    assert audio_check.inspect(data) == audio_check.AudioInfo("mp3", 44100, 2, "MP3")


def test_refuses_mpeg_audio_of_another_layer() -> None:
    layer_2 = bytes([0xFF, 0xFD, 0x80, 0x44]) + bytes(417 - 4)  # 128 kbit/s, 44.1 kHz
    with pytest.raises(InvalidInput, match="layer III"):
        audio_check.inspect(layer_2 * 4)


@given(
    st.sampled_from([b"", id3_tag(), mp3_frames(2), pcm_wav()[:60], b"RIFF\0\0\0\0WAVE"]),
    st.binary(max_size=2000),
)
@settings_for_hypothesis(max_examples=300, deadline=None)
def test_any_bytes_are_audio_or_one_line_saying_why_not(head: bytes, tail: bytes) -> None:
    """An upload is whatever the admin picked: the check answers InvalidInput, never
    another exception (a 500 on the admin page, a traceback in the CLI)."""
    try:
        audio_check.inspect(head + tail)
    except InvalidInput as error:
        assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"hello, this is text and not audio at all.......", "not an MP3", id="text"),
        pytest.param(b"short", "too short", id="tiny"),
        pytest.param(wav_with_format(3, 1, 8000, 32, bytes(800)), "encoding 3", id="float"),
        pytest.param(wav_with_format(1, 6, 8000, 16, bytes(1200)), "6 channels", id="6ch"),
        pytest.param(wav_with_format(1, 1, 4000, 16, bytes(800)), "4000 Hz", id="4khz"),
        pytest.param(wav_with_format(1, 1, 8000, 8, bytes(8000 * 121)), "at most 120 s", id="long"),
        pytest.param(
            wav_with_format(1, 1, 8000, 16, bytes(100)).replace(b"data", b"junk"),
            "no audio data",
            id="no-data",
        ),
        pytest.param(mp3_frames(1) + b"garbage!" * 10, "not an MP3", id="one-frame"),
        pytest.param(bytes(audio_check.MAX_BYTES + 1), "at most 5 MB", id="huge"),
    ],
)
def test_refuses_what_a_carrier_cannot_play(data: bytes, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        audio_check.inspect(data)


async def test_replacing_a_greeting_stores_it_and_drops_the_old_file(
    conference: Carrier, settings: Settings
) -> None:
    room = await find_owner(conference_id="1234")
    first, _ = await replace_greeting(room, pcm_wav(), settings)
    second, info = await replace_greeting(room, mp3_frames(), settings)
    assert first.startswith("greetings/room-") and first.endswith(".wav")
    assert second.endswith(".mp3") and info.kind == "mp3"
    assert not (settings.media_dir / first).exists()
    assert (settings.media_dir / second).read_bytes() == mp3_frames()
    assert (await Room.get(conference_id="1234")).greeting_media == second
    await remove_greeting(room, settings)
    assert (await Room.get(conference_id="1234")).greeting_media is None
    assert not (settings.media_dir / second).exists()


async def test_callers_hear_the_numbers_and_the_rooms_recordings(
    conference: Carrier, settings: Settings
) -> None:
    number = await find_owner(number=FR_NUMBER)
    room = await find_owner(conference_id="5555")
    number_file, _ = await replace_greeting(number, pcm_wav(), settings)
    room_file, _ = await replace_greeting(room, mp3_frames(), settings)
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    assert [e.kind for e in call.events if e.kind == "error"] == []
    assert call.played[0] == f"{PUBLIC_URL}/media/{number_file}"
    assert f"{PUBLIC_URL}/media/{room_file}" in call.played
    assert "Bienvenue sur le service de conférence." not in call.said
    assert call.said[0] == "Para continuar en español, marque la tecla asterisco."
    assert not [line for line in call.said if line.startswith("Vous allez rejoindre")]
    await call.hangup()
    # A recording whose file has gone is replaced by the spoken greeting, never silence.
    (settings.media_dir / number_file).unlink()
    again = await conference.call(FR_NUMBER)
    assert again.said[0] == "Bienvenue sur le service de conférence."


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_templates: DatabaseTemplates
) -> Iterator[Path]:
    """The voiceapp command on its own SQLite file, with a bridge, a number and a room;
    yields the media directory."""
    # A copy of the migrated template is what `voiceapp migrate` makes, 1.5 s sooner.
    url = database_templates.copy_sqlite_now(tmp_path / "cli.sqlite3")
    monkeypatch.setenv("VOICEAPP_DATABASE_URL", url)
    monkeypatch.setenv("VOICEAPP_MEDIA_DIR", str(tmp_path / "media"))
    get_settings.cache_clear()
    for argv in (
        ["bridge", "setup", "--extension", "800", "--language", "fr"],
        ["numbers", "add", FR_NUMBER, "--extension", "800", "--language", "fr"],
        ["rooms", "add", "--name", "Ventes", "--conference-id", "1234"],
    ):
        assert main(argv) == 0
    yield tmp_path / "media"
    get_settings.cache_clear()


def test_upload_command_replaces_and_removes_greetings(
    cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "accueil.wav"
    recording.write_bytes(pcm_wav(22050))
    capsys.readouterr()
    assert main(["prompts", "upload", "--number", FR_NUMBER, str(recording)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"number {FR_NUMBER} now greets callers with greetings/number-")
    assert out.rstrip().endswith("(WAV, PCM, 22050 Hz, mono)")
    stored = out.split(" with ")[1].split(" ")[0]
    assert (cli / stored).read_bytes() == recording.read_bytes()
    assert main(["prompts", "upload", "--room", "1234", str(recording)]) == 0
    assert capsys.readouterr().out.startswith("room 'Ventes' (1234) now greets callers with ")
    assert main(["prompts", "upload", "--number", FR_NUMBER, "--remove"]) == 0
    assert "spoken greeting again" in capsys.readouterr().out
    assert not (cli / stored).exists()


def test_removing_a_room_or_number_removes_its_recording(
    cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "accueil.wav"
    recording.write_bytes(pcm_wav())
    assert main(["prompts", "upload", "--room", "1234", str(recording)]) == 0
    assert main(["prompts", "upload", "--number", FR_NUMBER, str(recording)]) == 0
    stored = sorted((cli / "greetings").iterdir())
    assert [path.name.split("-")[0] for path in stored] == ["number", "room"]
    assert main(["rooms", "remove", "1234"]) == 0
    assert main(["numbers", "remove", FR_NUMBER]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"removed {FR_NUMBER}")
    assert list((cli / "greetings").iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--room", "9999", "{wav}"], "there is no room with conference ID 9999"),
        (["--number", "+33180009999", "{wav}"], "+33180009999 is not one of our numbers"),
        (["--room", "1234", "{missing}"], "cannot read"),
        (["--room", "1234", "{text}"], "not an MP3 file"),
        (["--room", "1234", "{big}"], "at most 5 MB"),
    ],
)
def test_upload_errors_are_one_line(
    cli: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    error: str,
) -> None:
    files = {name: tmp_path / f"{name}.wav" for name in ("wav", "missing", "text", "big")}
    files["wav"].write_bytes(pcm_wav())
    files["text"].write_text("not audio, just some text that is long enough to be checked")
    files["big"].write_bytes(bytes(audio_check.MAX_BYTES + 1))
    args = [arg.format(**{name: str(path) for name, path in files.items()}) for arg in argv]
    capsys.readouterr()
    status = main(["prompts", "upload", *args])
    stderr = capsys.readouterr().err
    assert status == 1
    assert stderr.count("\n") == 1
    assert stderr.startswith("voiceapp: error: ")
    assert error in stderr


async def test_a_receptionist_numbers_recording_and_voice_replace_its_greeting(
    conference: Carrier, settings: Settings
) -> None:
    reception = "+33180000200"
    await extensions.add_extension("200", "receptionist")
    await numbers.add_number(reception, "200", "fr")
    await numbers.update_number(reception, say_locale="fr-CA")
    stored, _ = await replace_greeting(await find_owner(number=reception), pcm_wav(), settings)
    call = await conference.call(reception)
    assert call.played[0] == f"{PUBLIC_URL}/media/{stored}"
    assert "Bienvenue, vous êtes bien sur notre standard." not in call.said
    spoken = [(event.language, event.text) for event in call.events if event.kind == "say"]
    assert spoken[:2] == [
        ("es-ES", "Para continuar en español, marque la tecla asterisco."),
        (
            "fr-CA",
            "Veuillez composer le numéro de poste de votre correspondant, "
            "suivi de la touche dièse.",
        ),
    ]
