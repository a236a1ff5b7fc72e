"""`voiceapp prompts render`: the files it makes, what it skips, and what it re-renders."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from voiceapp.cli import main
from voiceapp.core.models import Language
from voiceapp.core.settings import load_settings
from voiceapp.ivr_prompts.rendering import check_voices, prompt_jobs
from voiceapp.media import manifest
from voiceapp.media.render import Job, RenderError, render


def audio_format(path: Path) -> tuple[int, int, int, float]:
    """(sample rate, channels, bytes per sample, seconds) of a WAV file."""
    with wave.open(str(path)) as audio:
        rate = audio.getframerate()
        return rate, audio.getnchannels(), audio.getsampwidth(), audio.getnframes() / rate


def test_every_prompt_clip_and_the_hold_music_are_8khz_mono_pcm(rendered_media: Path) -> None:
    jobs = prompt_jobs(load_settings({}))
    paths = [job.path for job in jobs] + ["hold/music.wav"]
    assert len(paths) == len(set(paths))
    for relative in paths:
        rate, channels, width, seconds = audio_format(rendered_media / relative)
        assert (rate, channels, width) == (8000, 1, 2), relative
        assert seconds > 0.1, relative
    assert audio_format(rendered_media / "hold" / "music.wav")[3] >= 8


def test_manifest_records_the_text_and_voice_of_each_file(rendered_media: Path) -> None:
    entries = json.loads((rendered_media / "manifest.json").read_text())
    assert entries["fr/greeting.wav"] == manifest.fingerprint(
        "Bienvenue sur le service de conférence.", "fr-fr"
    )
    assert entries["es/number-7.wav"] == manifest.fingerprint("7", "es")
    assert "hold/music.wav" in entries


def _speech_job(path: str, text: str) -> Job:
    source = ("espeak-ng", "-v", "fr-fr", "--stdin", "--stdout")
    return Job(path, manifest.fingerprint(text, "fr-fr"), source, text.encode())


async def test_second_run_skips_unchanged_and_rerenders_changed_text(tmp_path: Path) -> None:
    jobs = [_speech_job("fr/a.wav", "Bonjour."), _speech_job("fr/b.wav", "Au revoir.")]
    seen: list[tuple[int, int, str]] = []
    first = await render(jobs, tmp_path, progress=lambda *step: seen.append(step))
    assert sorted(first.rendered) == ["fr/a.wav", "fr/b.wav"]
    assert sorted(seen) == [(1, 2, seen[0][2]), (2, 2, seen[1][2])]
    b_before = (tmp_path / "fr" / "b.wav").read_bytes()

    again = await render(jobs, tmp_path)
    assert (again.rendered, again.unchanged) == ([], 2)

    changed = [jobs[0], _speech_job("fr/b.wav", "À bientôt, merci de votre appel.")]
    third = await render(changed, tmp_path)
    assert (third.rendered, third.unchanged) == (["fr/b.wav"], 1)
    assert (tmp_path / "fr" / "b.wav").read_bytes() != b_before


async def test_deleted_file_is_rendered_again_and_dropped_jobs_are_removed(
    tmp_path: Path,
) -> None:
    jobs = [_speech_job("fr/a.wav", "Bonjour."), _speech_job("fr/old.wav", "Ancien.")]
    await render(jobs, tmp_path)
    (tmp_path / "fr" / "a.wav").unlink()
    report = await render(jobs[:1], tmp_path)
    assert report.rendered == ["fr/a.wav"]
    assert report.removed == ["fr/old.wav"]
    assert not (tmp_path / "fr" / "old.wav").exists()
    assert set(manifest.load(tmp_path)) == {"fr/a.wav"}


async def test_a_failing_tool_is_one_clear_error(tmp_path: Path) -> None:
    not_audio = Job("fr/x.wav", "f", ("echo", "Failed to read voice"))
    with pytest.raises(RenderError, match=r"echo wrote no audio for fr/x\.wav: Failed to read"):
        await render([not_audio], tmp_path)
    missing = Job("fr/y.wav", "f", ("no-such-synthesizer",))
    with pytest.raises(RenderError, match="no-such-synthesizer is not installed"):
        await render([missing], tmp_path)
    synth_fails = Job("fr/z.wav", "f", ("sox", "-n", "-t", "wav", "-", "synth", "1", "nonsense"))
    with pytest.raises(RenderError, match="sox failed"):
        await render([synth_fails], tmp_path)


@pytest.mark.parametrize("locale", ["fr-FR", "fr-CA", "fr-BE", "fr-CH", "es-ES", "es-MX"])
async def test_espeak_has_the_voice_of_each_locale(locale: str) -> None:
    # espeak-ng silently falls back to its default (English) voice for an unknown one.
    settings = load_settings({"VOICEAPP_SAY_LOCALE_" + locale[:2].upper(): locale})
    await check_voices(settings)


async def test_check_voices_refuses_a_missing_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("voiceapp.ivr_prompts.rendering.render_voice", lambda *_: "xx-nowhere")
    with pytest.raises(RenderError, match="espeak-ng has no voice xx-nowhere"):
        await check_voices(load_settings({}))


def test_render_command_shows_progress_then_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOICEAPP_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("VOICEAPP_DATABASE_URL", f"sqlite://{tmp_path}/v.sqlite3")
    monkeypatch.setattr(
        "voiceapp.commands.prompts.prompt_jobs",
        lambda settings: [job for job in prompt_jobs(settings) if "number" not in job.path],
    )
    from voiceapp.core.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["prompts", "render"]) == 0
        first = capsys.readouterr().out
        assert main(["prompts", "render"]) == 0
        second = capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    total = len([job for job in prompt_jobs(load_settings({})) if "number" not in job.path]) + 1
    assert f"[{total}/{total}] " in first
    assert f"{total} rendered, 0 unchanged" in first
    assert f"0 rendered, {total} unchanged" in second
    for language in Language:
        assert (tmp_path / "media" / language.value / "greeting.wav").is_file()
