"""Recorded greetings: a room's or a phone number's own recording, played instead of the
spoken greeting (a number's at the start of the call, a room's as the caller joins).

The file is checked (audio_check), stored under greetings/ in the media directory with a
hash of its content in the name, so a carrier's cached copy of an older recording is never
played, and the room or number is pointed at it. Callers keep hearing the spoken prompt
whenever the file is missing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from voiceapp.conferencing import rooms
from voiceapp.core.models import PhoneNumber, Room
from voiceapp.core.settings import Settings
from voiceapp.media import audio_check
from voiceapp.media.paths import GREETINGS_DIR
from voiceapp.switchboard import numbers

Owner = Room | PhoneNumber


async def find_owner(*, conference_id: str | None = None, number: str | None = None) -> Owner:
    """The room (by conference ID) or the phone number whose greeting is meant."""
    if conference_id is not None:
        return await rooms.get_room(conference_id)
    if number is not None:
        return await numbers.get_number(number)
    raise ValueError("name a room or a phone number")


def describe(owner: Owner) -> str:
    if isinstance(owner, Room):
        return f"room {owner.name!r} ({owner.conference_id})"
    return f"number {owner.e164}"


def _stem(owner: Owner) -> str:
    return f"room-{owner.pk}" if isinstance(owner, Room) else f"number-{owner.pk}"


def _forget(media_dir: Path, relative: str | None) -> None:
    """Delete a greeting file we stored earlier (only ever one under greetings/)."""
    if relative and relative.startswith(GREETINGS_DIR + "/"):
        (media_dir / relative).unlink(missing_ok=True)


async def replace_greeting(
    owner: Owner, data: bytes, settings: Settings
) -> tuple[str, audio_check.AudioInfo]:
    """Check `data`, store it, and make it `owner`'s greeting; returns its media path and
    what the recording is."""
    info = audio_check.inspect(data)
    digest = hashlib.sha256(data).hexdigest()[:12]
    relative = f"{GREETINGS_DIR}/{_stem(owner)}-{digest}.{info.kind}"
    target = settings.media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)
    previous = owner.greeting_media
    owner.greeting_media = relative
    await owner.save(update_fields=["greeting_media"])
    if previous != relative:
        _forget(settings.media_dir, previous)
    return relative, info


def forget_recording(removed: Owner, settings: Settings) -> None:
    """A room or number was deleted: its recording goes too, or every upload would stay on
    disk for good (the file's name carries the row's id, which nothing reuses)."""
    _forget(settings.media_dir, removed.greeting_media)


async def remove_greeting(owner: Owner, settings: Settings) -> None:
    """Go back to the spoken greeting."""
    previous = owner.greeting_media
    owner.greeting_media = None
    await owner.save(update_fields=["greeting_media"])
    _forget(settings.media_dir, previous)
