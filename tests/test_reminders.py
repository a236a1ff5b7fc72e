"""Reminders go out once per invitee and sitting, at the meeting's lead time: not before,
not after the sitting started, not to people taken off the list, not for a cancelled
meeting, and once only with several workers running the job at once or a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from voiceapp import housekeeping
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import AdminUser, Meeting, Occurrence, OutboxMessage
from voiceapp.core.settings import Settings
from voiceapp.scheduling import invitation_mail, meetings
from voiceapp.scheduling.meeting_forms import MeetingChange, RepeatForm
from voiceapp.scheduling.meeting_view import MeetingView

from .scheduling_kit import (
    NOW,
    book,
    cancel,
    change,
    form,
    last_outbox_id,
    outbox,
    provision_booking,
    remind,
)

# Meeting.local_start 2027-03-15 10:00 Paris = 09:00 UTC; the next day's the same.
FIRST = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
SECOND = FIRST + timedelta(days=1)


@pytest.fixture
async def marie(settings: Settings) -> AsyncIterator[AdminUser]:
    async with database(settings.database_url):
        yield await provision_booking(settings)


async def two_day_series(marie: AdminUser, reminder: int | None = 15) -> Meeting:
    return await book(
        marie,
        form(groups=["Partners"], repeat=RepeatForm("daily", count=2), reminder=reminder),
        now=NOW,
    )


async def reminder_keys() -> list[str]:
    rows = await OutboxMessage.filter(dedupe_key__startswith="reminder:").order_by("id")
    return [str(row.dedupe_key) for row in rows]


async def test_a_reminder_per_invitee_at_the_lead_time(marie: AdminUser) -> None:
    meeting = await two_day_series(marie)
    first, second = await Occurrence.filter(meeting_id=meeting.pk).order_by("starts_at")
    assert await remind(FIRST - timedelta(minutes=16)) == 0
    assert await remind(FIRST - timedelta(minutes=15)) == 2
    rows = await OutboxMessage.filter(dedupe_key__startswith="reminder:").values_list("id")
    sent = [s for s in await outbox(after=min(rows)[0] - 1)]
    assert sorted(s.recipient for s in sent) == ["ana@example.com", "luis@example.com"]
    # In their language (Spanish, as contacts), about the sitting at 10:00 Paris time.
    assert {s.language for s in sent} == {"es"}
    assert all("Recordatorio" in s.message["Subject"] for s in sent), sent[0].message["Subject"]
    assert all(s.method is None for s in sent)  # a reminder is no calendar change
    # Later rounds, until and after the start: nothing more for this sitting.
    for minutes in (14, 1, 0, -5):
        assert await remind(FIRST - timedelta(minutes=minutes)) == 0
    invitees = sorted(i.pk for i in await meetings.active_invitees(meeting.pk))
    assert await reminder_keys() == [f"reminder:{first.pk}:{i}" for i in invitees]
    # The next day's sitting has its own.
    assert await remind(SECOND - timedelta(minutes=10)) == 2
    assert (await reminder_keys())[2:] == [f"reminder:{second.pk}:{i}" for i in invitees]


async def test_no_reminder_once_started_or_when_not_wanted(marie: AdminUser) -> None:
    await two_day_series(marie)
    # The server was down over the reminder time: after the start, nothing is sent.
    assert await remind(FIRST + timedelta(minutes=1)) == 0
    await Meeting.all().delete()
    await two_day_series(marie, reminder=None)
    assert await remind(FIRST - timedelta(minutes=5)) == 0


async def test_people_taken_off_and_cancelled_meetings_get_none(marie: AdminUser) -> None:
    meeting = await two_day_series(marie)
    await change(meeting.pk, MeetingChange(uninvite=["luis@example.com"]), now=NOW)
    assert await remind(FIRST - timedelta(minutes=10)) == 1
    await cancel(meeting.pk, now=NOW)
    assert await remind(SECOND - timedelta(minutes=10)) == 0


async def test_an_organizer_who_removed_their_address_still_has_reminders_sent(
    marie: AdminUser,
) -> None:
    """Replies then go to the server's address."""
    meeting = await two_day_series(marie)
    await AdminUser.filter(id=marie.pk).update(email=None)
    mark = await last_outbox_id()
    assert await remind(FIRST - timedelta(minutes=10)) == 2
    sent = await outbox(after=mark)
    assert {str(s.message["Reply-To"]) for s in sent} == {"Marie Curie <bridge@example.test>"}
    # Cancelling now asks for an address first (invitations need one), with a sentence.
    with pytest.raises(InvalidInput) as caught:
        await cancel(meeting.pk, now=NOW)
    assert caught.value.field == "organizer"


async def test_a_meeting_whose_reminders_fail_holds_back_no_other(
    marie: AdminUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await book(marie, form(subject="Broken", people=["ana@example.com"]), now=NOW)
    await book(marie, form(room="5555", people=["luis@example.com"]), now=NOW)
    real = invitation_mail.reminder_in

    def reminder(language: str, meeting: MeetingView, *args: Any, **options: Any) -> EmailMessage:
        if meeting.subject == "Broken":
            raise ValueError("a message that cannot be made")
        return real(language, meeting, *args, **options)

    monkeypatch.setattr(invitation_mail, "reminder_in", reminder)
    assert await remind(FIRST - timedelta(minutes=10)) == 1
    assert "reminders for meeting 1 failed" in caplog.text
    monkeypatch.setattr(invitation_mail, "reminder_in", real)
    assert await remind(FIRST - timedelta(minutes=9)) == 1  # the next round sends it


async def test_a_meeting_made_longer_is_not_reminded_again(marie: AdminUser) -> None:
    """Its sittings keep their rows (and so their reminders' keys) when only the length
    changes; a sitting moved to another time is a new one, reminded at its new time."""
    meeting = await two_day_series(marie)
    assert await remind(FIRST - timedelta(minutes=10)) == 2
    await change(meeting.pk, MeetingChange(duration=90), now=NOW)
    assert await remind(FIRST - timedelta(minutes=5)) == 0
    await change(meeting.pk, MeetingChange(start="2027-03-15 10:20"), now=NOW)
    assert await remind(FIRST + timedelta(minutes=10)) == 2


async def test_once_with_four_workers_at_once_and_after_a_restart(
    marie: AdminUser, settings: Settings
) -> None:
    """Four runs of the job at the same moment (on PostgreSQL each on its own pooled
    connection, all past the "already queued?" look-up before any insert), then the
    process restarts and runs it again: each invitee has one reminder per sitting."""
    for n in range(5):
        await book(
            marie,
            form(
                room="5555" if n % 2 else "1234",
                start=f"2027-03-15 10:{n * 3:02d}",
                duration=5,
                groups=["Partners"],
                people=[f"guest{n}@example.com"],
            ),
            now=NOW,
        )
    due = FIRST - timedelta(minutes=1)  # every one of them starts within 15 minutes
    counts = await asyncio.gather(*(remind(due) for _ in range(4)))
    assert sum(counts) == 15, counts  # 5 meetings x 3 invitees
    keys = await reminder_keys()
    assert len(keys) == len(set(keys)) == 15
    # A restart: the ORM's connections closed and opened again, the job run again.
    async with database(settings.database_url):
        assert await remind(due) == 0
        assert await remind(due + timedelta(minutes=1)) == 0
        assert len(await reminder_keys()) == 15


async def test_the_housekeeping_round_queues_them(marie: AdminUser, settings: Settings) -> None:
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    await book(
        marie,
        form(start=soon.strftime("%Y-%m-%d %H:%M"), time_zone="UTC", people=["ana@example.com"]),
    )
    assert await housekeeping.tidy(settings, None)
    assert len(await reminder_keys()) == 1
