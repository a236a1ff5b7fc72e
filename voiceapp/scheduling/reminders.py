"""Reminders: one e-mail per invitee before each sitting, at the meeting's lead time.

`queue_due` runs in every worker's housekeeping round (housekeeping.py). It finds the
sittings whose reminder time has come and that have not started, and queues one message
per (sitting, invitee still invited) under the outbox key "reminder:<sitting>:<invitee>":
the unique index on that key makes every second attempt a no-op, so each invitee gets
one reminder per sitting whatever the number of workers running the round at once and
however often the server restarts. A reminder is not sent once the sitting has started
(the server was down at the time): it would only say what the invitee has missed.

A round comes every VOICEAPP_HOUSEKEEPING_SECONDS (a minute by default, with some
jitter): a reminder goes out up to about that long after its time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import partial

from voiceapp.core.db import is_connection_lost
from voiceapp.core.models import (
    AdminUser,
    Invitee,
    Meeting,
    MeetingStatus,
    Occurrence,
    OutboxMessage,
    Room,
)
from voiceapp.mail import outbox
from voiceapp.scheduling import invitation_mail, meeting_rows
from voiceapp.scheduling.booking import MAX_REMINDER_MINUTES
from voiceapp.scheduling.mailings import copies

log = logging.getLogger(__name__)


def dedupe_key(occurrence_id: int, invitee_id: int) -> str:
    return f"reminder:{occurrence_id}:{invitee_id}"


@dataclass(frozen=True)
class _Due:
    occurrence: Occurrence
    meeting: Meeting


async def due_sittings(now: datetime) -> list[_Due]:
    """The sittings of scheduled meetings not started yet whose reminder time has come."""
    soon = await (
        Occurrence.filter(
            starts_at__gt=now,
            starts_at__lte=now + timedelta(minutes=MAX_REMINDER_MINUTES),
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__reminder_minutes__isnull=False,
        )
        .select_related("meeting")
        .order_by("starts_at")
    )
    return [
        _Due(occurrence, occurrence.meeting)
        for occurrence in soon
        if now >= occurrence.starts_at - timedelta(minutes=occurrence.meeting.reminder_minutes or 0)
    ]


async def queue_due(sender: str, now: datetime | None = None) -> int:
    """Queue the reminders due at `now` that no worker has queued yet; how many this
    call queued. `sender` is their From (settings.mail_from)."""
    now = now or datetime.now(UTC)
    due = await due_sittings(now)
    if not due:
        return 0
    queued = 0
    by_meeting: dict[int, list[Occurrence]] = {}
    meetings: dict[int, Meeting] = {}
    for item in due:
        by_meeting.setdefault(item.meeting.pk, []).append(item.occurrence)
        meetings[item.meeting.pk] = item.meeting
    for meeting_id, sittings in by_meeting.items():
        try:
            queued += await _remind(meetings[meeting_id], sittings, sender, now)
        except Exception as failure:
            if is_connection_lost(failure):
                raise  # the database is away: the round stops, in one line
            # One meeting's trouble must not hold back the others' reminders; the next
            # round tries it again (what was queued stays queued, keyed).
            log.exception("reminders for meeting %s failed", meeting_id)
    return queued


async def _remind(
    meeting: Meeting, sittings: Sequence[Occurrence], sender: str, now: datetime
) -> int:
    invitees = await Invitee.filter(meeting_id=meeting.pk, removed_at=None).order_by("id")
    wanted = {
        dedupe_key(sitting.pk, invitee.pk): (sitting, invitee)
        for sitting in sittings
        for invitee in invitees
    }
    if not wanted:
        return 0
    # Building a message costs far more than this look-up: skip those already queued.
    # A worker racing this one past the look-up is stopped by the unique key instead.
    queued_before = OutboxMessage.filter(dedupe_key__in=list(wanted))
    done = {str(key) for key in await queued_before.values_list("dedupe_key", flat=True)}
    missing = {key: pair for key, pair in wanted.items() if key not in done}
    if not missing:
        return 0
    organizer = await AdminUser.get(id=meeting.organizer_id)  # type: ignore[attr-defined]
    # An organizer who has since removed their address: replies go to the server's.
    view = meeting_rows.meeting_view(meeting, organizer.email or parseaddr(sender)[1])
    room = await Room.get_or_none(id=meeting.room_id)  # type: ignore[attr-defined]
    dial_in = await meeting_rows.dial_in(room, meeting.conference_id)
    lead = timedelta(minutes=meeting.reminder_minutes or 0)
    by_sitting: dict[int, list[str]] = {}
    for key, (sitting, _) in missing.items():
        by_sitting.setdefault(sitting.pk, []).append(key)
    queued = 0
    for keys in by_sitting.values():
        sitting = missing[keys[0]][0]
        people = [
            meeting_rows.invitee_view(invitee.name, invitee.email, invitee.language)
            for _, invitee in (missing[key] for key in keys)
        ]
        # One message per language, copied to each reader of it.
        reminder = partial(
            invitation_mail.reminder_in,
            meeting=view,
            dial_in=dial_in,
            starts_at=sitting.starts_at.astimezone(view.zone),
            lead=lead,
            sender=sender,
            now=now,
        )
        made = copies(people, reminder)
        keyed = [(message.prepared, key) for message, key in zip(made, keys, strict=True)]
        queued += await outbox.queue_many(keyed)
    return queued
