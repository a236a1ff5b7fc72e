"""Voicemail: the messages callers leave when an extension does not answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from voiceapp.core.models import Extension, Voicemail
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
    """Messages, newest first; only one extension's when `extension_number` is given."""
    query = Voicemail.all()
    if extension_number is not None:
        query = query.filter(extension_number=check_extension_number(extension_number))
    return await query.order_by("-created_at", "-id")
