"""The manifest of rendered media: for each file, a fingerprint of what it says.

`voiceapp prompts render` skips a file whose fingerprint has not changed, and auto media
mode plays a file only while its fingerprint matches the current catalog text.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST_NAME = "manifest.json"
# Part of every fingerprint, so changing the output format re-renders everything.
AUDIO_FORMAT = "wav 8000 Hz mono 16-bit PCM"

_cache: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}


def fingerprint(text: str, voice: str) -> str:
    """What a rendered file depends on: its text, the voice and the audio format."""
    digest = hashlib.sha256(f"{AUDIO_FORMAT}\n{voice}\n{text}".encode())
    return digest.hexdigest()[:16]


def manifest_path(media_dir: Path) -> Path:
    return media_dir / MANIFEST_NAME


def load(media_dir: Path) -> dict[str, str]:
    """Media path -> fingerprint; empty when nothing was rendered or the file is unreadable
    (everything is then rendered again, which is always safe)."""
    try:
        data = json.loads(manifest_path(media_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(name): str(value) for name, value in data.items()}


def save(media_dir: Path, entries: dict[str, str]) -> None:
    """Write the manifest atomically: a worker reading it never sees half a file."""
    path = manifest_path(media_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def current(media_dir: Path) -> dict[str, str]:
    """The manifest as webhooks read it: reloaded only when the file changed on disk."""
    path = manifest_path(media_dir)
    try:
        stat = path.stat()
    except OSError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load(media_dir))
        _cache[path] = cached
    return cached[1]
