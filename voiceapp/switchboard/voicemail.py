"""Voicemail: the messages callers leave when an extension does not answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from voiceapp.carrier import recordings
from voiceapp.carrier.recordings import Discarded
from voiceapp.core.errors import NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import Extension, Voicemail
from voiceapp.core.settings import Settings
from voiceapp.switchboard.extensions import check_extension_number


@dataclass(frozen=True)
class Recording:
    """What the carrier says it recorded (the <Record> action's parameters)."""

    url: str
    sid: str
    duration_seconds: int


@dataclass(frozen=True)
class Message:
    """One message left on one call: who called which number, for which extension."""

    extension_number: str
    call_sid: str
    caller: str
    called: str
    recording: Recording


async def save_message(message: Message) -> Voicemail:
    """Keep a message, once per call: a carrier retrying the webhook finds the first one."""
    existing = await Voicemail.get_or_none(call_sid=message.call_sid)
    if existing is not None:
        return existing
    recording = message.recording
    try:
        return await Voicemail.create(
            # The extension may have been removed while the caller spoke; the number stays.
            extension=await Extension.get_or_none(number=message.extension_number),
            extension_number=message.extension_number,
            call_sid=message.call_sid,
            caller=message.caller,
            called=message.called,
            recording_url=recording.url,
            recording_sid=recording.sid or None,
            duration_seconds=max(0, recording.duration_seconds),
            created_at=datetime.now(UTC),
        )
    except IntegrityError:  # a concurrent retry of the same webhook saved it first
        return await Voicemail.get(call_sid=message.call_sid)


async def list_messages(extension_number: str | None = None) -> list[Voicemail]:
    """Messages, newest first, each with its extension (None once removed); only one
    extension's when `extension_number` is given."""
    query = Voicemail.all().select_related("extension")
    if extension_number is not None:
        query = query.filter(extension_number=check_extension_number(extension_number))
    return await query.order_by("-created_at", "-id")


async def get_message(message_id: int) -> Voicemail:
    message = await Voicemail.get_or_none(pk=message_id).select_related("extension")
    if message is None:
        raise NotFound(N_("there is no voicemail message %(id)s"), params={"id": message_id})
    return message


async def mark_heard(message_id: int) -> bool:
    """Note that an admin heard the message, the first time only: one conditional UPDATE,
    so two admins (or a replay and a click) at once keep the first moment. True when
    this call marked it."""
    marked = await Voicemail.filter(pk=message_id, heard_at__isnull=True).update(
        heard_at=datetime.now(UTC)
    )
    return bool(marked)


async def delete_message(settings: Settings, message: Voicemail) -> Discarded:
    """Delete a message and its recording: our file, or the carrier's recording.

    The rule when the carrier refuses (or cannot be reached): the message is kept and
    RecordingUnavailable says why, so that no recording stays at the carrier with nothing
    in voiceapp pointing to it; deleting again later finishes the job. A recording the
    carrier no longer has, or one voiceapp cannot reach at all (no account set, a URL
    outside the carrier's API), does not hold the message back: it is deleted, and what
    is returned says what became of the recording.
    """
    audio = recordings.locate(settings, message.recording_url, message.recording_sid)
    discarded = await recordings.discard(settings, audio)
    await Voicemail.filter(pk=message.pk).delete()
    return discarded
