"""Where media files live under the media directory, their URLs, and the one safe way from
a requested path to a file."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from voiceapp.carrier.recordings import RECORDINGS_DIR

MEDIA_PREFIX = "/media"
HOLD_MUSIC = "hold/music.wav"
GREETINGS_DIR = "greetings"
# The only files served: the audio a carrier plays. The manifest and anything else stay put.
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}
# A path segment we ever write: no leading dot (so no "..", no hidden files), no separators,
# no "%" (a path still holding one after decoding was encoded twice).
SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def clip_file(language: str, name: str) -> str:
    """The media path of a rendered clip: fr/greeting.wav."""
    return f"{language}/{name}.wav"


def media_url(public_url: str, relative: str, version: str | None = None) -> str:
    """The absolute URL the carrier fetches `relative` from. `version` changes with the
    file's content, so a carrier's cached copy of an older rendering is never played."""
    url = f"{public_url}{MEDIA_PREFIX}/{quote(relative)}"
    return f"{url}?v={version}" if version else url


def resolve(media_dir: Path, relative: str) -> Path | None:
    """The audio file `relative` names inside `media_dir`, or None for anything else:
    a directory, a missing file, another type, or a path that would leave the directory."""
    segments = relative.split("/")
    if not all(SEGMENT.fullmatch(segment) for segment in segments):
        return None
    if segments[0] == RECORDINGS_DIR:  # callers' messages: heard in the admin pages only
        return None
    if Path(segments[-1]).suffix.lower() not in AUDIO_TYPES:
        return None
    root = media_dir.resolve()
    candidate = root.joinpath(*segments).resolve()  # follows symlinks, checked next
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def content_type(path: Path) -> str:
    return AUDIO_TYPES[path.suffix.lower()]
