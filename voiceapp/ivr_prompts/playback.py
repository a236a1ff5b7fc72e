"""Whether a prompt is said by the carrier (<Say>) or played from our files (<Play>).

VOICEAPP_MEDIA_MODE decides: `say` always says; `play` plays every rendered file, even one
rendered from an older text; `auto` plays only files whose manifest fingerprint matches the
current text and voice, and says the rest. A prompt whose files are missing is said in every
mode: a caller never waits on a file that is not there. A recorded greeting (voiceapp
prompts upload) is played in every mode while its file exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.ivr_prompts import clips, speech, voices
from voiceapp.media import manifest, paths


@dataclass(frozen=True)
class Speaker:
    """How prompts are heard on one call: the settings (media mode, voices) and the
    dialled number's own text-to-speech locale, if it has one."""

    settings: Settings
    accent: str | None = None


@dataclass(frozen=True)
class Utterance:
    """One prompt as the caller hears it: the URLs to play, or else the text to say."""

    text: str
    locale: str
    voice: str | None
    urls: tuple[str, ...] = ()


def _rendered_urls(
    key: str, language: Language, params: Mapping[str, object], settings: Settings
) -> tuple[str, ...]:
    said = clips.line_clips(key, language, params, numbers=settings.max_capacity)
    if said is None:
        return ()
    rendered = manifest.current(settings.media_dir)
    voice = voices.render_voice(language, settings)
    urls: list[str] = []
    for clip in said:
        relative = paths.clip_file(language.value, clip.name)
        recorded = rendered.get(relative)
        if recorded is None or not (settings.media_dir / relative).is_file():
            return ()
        if settings.media_mode == "auto" and recorded != manifest.fingerprint(clip.text, voice):
            return ()
        urls.append(paths.media_url(settings.public_url, relative, recorded))
    return tuple(urls)


def _recording_url(recording: str | None, settings: Settings) -> tuple[str, ...]:
    if recording is None or paths.resolve(settings.media_dir, recording) is None:
        return ()
    return (paths.media_url(settings.public_url, recording),)


def utterance(
    key: str,
    language: Language,
    params: Mapping[str, object],
    speaker: Speaker,
    recording: str | None = None,
) -> Utterance:
    settings = speaker.settings
    locale = voices.say_locale(language, speaker.accent, settings)
    try:
        urls = _recording_url(recording, settings)
        if not urls and settings.media_mode != "say":
            urls = _rendered_urls(key, language, params, settings)
    except OSError:  # an unreadable media directory: say it rather than fail the call
        urls = ()
    return Utterance(
        text=speech.text(key, language, params),
        locale=locale,
        voice=voices.carrier_voice(locale, settings),
        urls=urls,
    )


def hold_music_url(settings: Settings) -> str | None:
    """Our hold music's URL, or None when it has not been generated yet."""
    try:
        if paths.resolve(settings.media_dir, paths.HOLD_MUSIC) is None:
            return None
    except OSError:
        return None
    version = manifest.current(settings.media_dir).get(paths.HOLD_MUSIC)
    return paths.media_url(settings.public_url, paths.HOLD_MUSIC, version)
