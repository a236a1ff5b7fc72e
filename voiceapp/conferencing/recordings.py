"""Recordings of the rooms' conferences: kept from the carrier's recording callback, once
each, listed per room, and deleted with their audio (at the carrier too).

A recording keeps its room's name and conference ID as text, so it still says which room
after the room is deleted (its link to the room is cleared then). Its audio is where
carrier.recordings.locate says: a file of ours (what the emulator records), or the
carrier's, fetched and deleted with the account's credentials.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from voiceapp.carrier import recordings as audio_store
from voiceapp.carrier.recordings import Discarded
from voiceapp.core.errors import NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import ConferenceRecording, Room
from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)

# The conference_id column's size: the longest conference ID (conferencing.rooms).
CONFERENCE_ID_MAX = 12


@dataclass(frozen=True)
class Recorded:
    """What the carrier's recording callback says of a finished recording."""

    recording_sid: str
    recording_url: str  # without an extension: + ".wav" is the audio
    conference_sid: str
    started_at: datetime  # aware
    duration_seconds: int


async def save_recording(room_id: int, recorded: Recorded) -> ConferenceRecording:
    """Keep a recording of room `room_id`'s conference, once per RecordingSid: a carrier
    retrying its callback, even twice at once, finds the first one.

    A room deleted while its conference was recorded is no reason to lose the recording
    (it is at the carrier, and only voiceapp's list lets an admin delete it there): it is
    kept without a room, its name and conference ID unknown."""
    room = await Room.get_or_none(pk=room_id)
    recording, created = await ConferenceRecording.get_or_create(
        recording_sid=recorded.recording_sid,
        defaults={
            "room": room,
            "room_name": room.name if room else "",
            "conference_id": room.conference_id if room else "",
            "conference_sid": recorded.conference_sid,
            "recording_url": recorded.recording_url,
            "started_at": recorded.started_at,
            "duration_seconds": recorded.duration_seconds,
        },
    )
    if created and room is None:
        log.warning("recording %s of room %s kept: the room is gone", recording.pk, room_id)
    return recording


async def list_recordings(conference_id: str | None = None) -> list[ConferenceRecording]:
    """The recordings, the latest first; only one room's (by its conference ID, so those
    of a deleted room are found too) when `conference_id` is given."""
    query = ConferenceRecording.all()
    if conference_id is not None:
        if len(conference_id) > CONFERENCE_ID_MAX:
            return []  # no room's (and the ORM refuses to compare it with the column)
        query = query.filter(conference_id=conference_id)
    return await query.order_by("-started_at", "-id")


@dataclass(frozen=True)
class RecordedRoom:
    """A room the list can be narrowed to: one of today's (`exists`), or a deleted one
    that left recordings."""

    conference_id: str
    name: str
    exists: bool


async def rooms_to_choose(including: str | None = None) -> list[RecordedRoom]:
    """The rooms that have recordings, and the room `including` names if it exists (the
    list shown may be its, still empty), in the order of their conference IDs. A room
    is named as today, or, deleted, as its latest recording says."""
    recorded = (
        ConferenceRecording.exclude(conference_id="")
        .order_by("started_at", "id")
        .values_list("conference_id", "room_name")
    )
    names: dict[str, str] = {str(cid): str(name) for cid, name in await recorded}  # latest last
    wanted = [*names, including] if including else list(names)
    if including and len(including) > CONFERENCE_ID_MAX:
        wanted.remove(including)  # no room's (and the ORM refuses to compare it)
    existing = dict(
        await Room.filter(conference_id__in=wanted).values_list("conference_id", "name")
    )
    return [
        RecordedRoom(cid, str(existing[cid]) if cid in existing else names[cid], cid in existing)
        for cid in sorted(set(names) | set(existing))
    ]


async def get_recording(recording_id: int) -> ConferenceRecording:
    recording = await ConferenceRecording.get_or_none(pk=recording_id)
    if recording is None:
        raise NotFound(N_("there is no recording %(id)s"), params={"id": recording_id})
    return recording


async def delete_recording(settings: Settings, recording: ConferenceRecording) -> Discarded:
    """Delete a recording and its audio: our file, or the carrier's recording.

    As for voicemail: when the carrier refuses (or cannot be reached) the recording is
    kept and RecordingUnavailable says why, so that none stays at the carrier with nothing
    in voiceapp pointing to it; deleting again later finishes the job. One the carrier no
    longer has, or that voiceapp cannot reach at all, does not hold the row back."""
    audio = audio_store.locate(settings, recording.recording_url, recording.recording_sid)
    discarded = await audio_store.discard(settings, audio)
    await ConferenceRecording.filter(pk=recording.pk).delete()
    return discarded
