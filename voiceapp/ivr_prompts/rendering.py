"""What `voiceapp prompts render` makes of the catalog: one espeak-ng job per clip of each
language, in the voice of the language's configured locale."""

from __future__ import annotations

from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.ivr_prompts.clips import catalog_clips
from voiceapp.ivr_prompts.voices import render_voice
from voiceapp.media import manifest
from voiceapp.media.paths import clip_file
from voiceapp.media.render import Job, RenderError, run_tool

# espeak-ng at 150 words a minute (its default is 175): clearer over a phone line.
WORDS_PER_MINUTE = "150"
# Trim espeak-ng's silence at both ends, so clips played in sequence do not leave gaps,
# bring every clip to the same loudness, and end it with a short breath.
SPEECH_EFFECTS = (
    *("silence", "1", "0.02", "-45d", "reverse", "silence", "1", "0.02", "-45d", "reverse"),
    *("gain", "-n", "-3", "pad", "0", "0.1"),
)


def prompt_jobs(settings: Settings) -> list[Job]:
    jobs: list[Job] = []
    for language in Language:
        voice = render_voice(language, settings)
        for clip in catalog_clips(language, numbers=settings.max_capacity):
            jobs.append(
                Job(
                    path=clip_file(language.value, clip.name),
                    fingerprint=manifest.fingerprint(clip.text, voice),
                    source=(
                        "espeak-ng",
                        "-v",
                        voice,
                        "-s",
                        WORDS_PER_MINUTE,
                        "--stdin",
                        "--stdout",
                    ),
                    stdin=clip.text.encode(),
                    effects=SPEECH_EFFECTS,
                )
            )
    return jobs


async def check_voices(settings: Settings) -> None:
    """Refuse to render with a voice espeak-ng lacks: it would silently use its default
    voice, and French callers would hear English vowels."""
    listing, _ = await run_tool(["espeak-ng", "--voices"])
    rows = [line.split() for line in listing.decode(errors="replace").splitlines()[1:]]
    installed = {row[1] for row in rows if len(row) > 1}
    missing = {render_voice(language, settings) for language in Language} - installed
    if missing:
        raise RenderError(
            f"espeak-ng has no voice {', '.join(sorted(missing))} (Debian: apt-get install "
            "espeak-ng-data)"
        )
