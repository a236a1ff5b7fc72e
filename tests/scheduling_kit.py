"""What the booking, reminder and feed tests share: a bridge with rooms and an organizer,
a meeting form with sensible defaults, and the outbox read back as the recipients will
see it (parsed with the email package and icalendar).

A change records its mail as one mailing; the sender makes the messages after the commit.
`book`, `change`, `cancel` and `resend` make them right after (`made_mail`), as the
server's sender does, and so do `outbox` and `last_outbox_id` (for changes made over
HTTP): a test reads the outbox right after a change without waiting for a sender."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar, Event

from voiceapp.accounts import profiles
from voiceapp.contacts import groups, people
from voiceapp.core.models import AdminUser, Invitee, Meeting, OutboxMessage
from voiceapp.core.settings import Settings
from voiceapp.scheduling import mailing_expansion, meeting_updates, meetings, reminders
from voiceapp.scheduling.meeting_forms import MeetingChange, MeetingForm
from voiceapp.scheduling.meeting_updates import UpdateReport

from .conftest import provision_conference

PASSWORD = "correct horse battery staple"
# The From of the mail (VOICEAPP_MAIL_FROM).
SENDER = "Pont <bridge@example.test>"
# Well before every date the tests book (the spring 2027 clock change included).
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def provision_booking(settings: Settings) -> AdminUser:
    """provision_conference's bridge and rooms (1234 Ventes with PIN, 5555 Support), and
    the organizer marie (French), whose contact Ana writes in Spanish and is in the
    group Partners with Luis (Spanish too)."""
    await provision_conference(settings)
    marie = await organizer("marie", "marie@example.com", "fr", "Marie Curie")
    await people.add_contact(marie, people.ContactDetails("Ana Ruiz", "ana@example.com", "es"))
    await people.add_contact(marie, people.ContactDetails("Luis Gil", "luis@example.com", "es"))
    await groups.add_group(marie, "Partners", ["ana@example.com", "luis@example.com"])
    return marie


async def organizer(
    username: str, email: str | None, language: str = "fr", name: str = "", role: str = "organizer"
) -> AdminUser:
    return await profiles.create_account(
        username,
        PASSWORD,
        profiles.Profile(role=role, email=email or "", language=language, display_name=name),
    )


async def book(organizer: AdminUser, form: MeetingForm, **options: Any) -> Meeting:
    meeting = await meetings.create_meeting(organizer, form, sender=SENDER, **options)
    await made_mail()
    return meeting


async def change(meeting_id: int, what: MeetingChange, **options: Any) -> UpdateReport:
    report = await meeting_updates.update_meeting(meeting_id, what, sender=SENDER, **options)
    await made_mail()
    return report


async def cancel(meeting_id: int, **options: Any) -> Meeting:
    meeting = await meetings.cancel_meeting(meeting_id, sender=SENDER, **options)
    await made_mail()
    return meeting


async def resend(meeting_id: int, email: str, **options: Any) -> Invitee:
    invitee = await meetings.resend_invitation(meeting_id, email, sender=SENDER, **options)
    await made_mail()
    return invitee


async def remind(now: datetime) -> int:
    return await reminders.queue_due(SENDER, now)


def form(**changes: Any) -> MeetingForm:
    """A one-hour meeting in room 1234 on Monday 15 March 2027 at 10:00, Paris time."""
    values: dict[str, Any] = {
        "room": "1234",
        "subject": "Revue d'équipe",
        "start": "2027-03-15 10:00",
        "duration": 60,
        "time_zone": "Europe/Paris",
    }
    values.update(changes)
    return MeetingForm(**values)


@dataclass(frozen=True)
class Sent:
    """One outbox row, parsed."""

    recipient: str
    message: EmailMessage
    calendar: Calendar | None  # the text/calendar part, None when there is none

    @property
    def method(self) -> str | None:
        return None if self.calendar is None else str(self.calendar["METHOD"])

    @property
    def event(self) -> Event:
        assert self.calendar is not None
        (event,) = self.calendar.walk("VEVENT")
        return event

    @property
    def uid(self) -> str:
        return str(self.event["UID"])

    @property
    def sequence(self) -> int:
        return int(self.event["SEQUENCE"])

    @property
    def language(self) -> str | None:
        """The language the message is written in (Content-Language, on any part)."""
        for part in self.message.walk():
            if part["Content-Language"]:
                return str(part["Content-Language"])
        return None

    @property
    def attendees(self) -> list[str]:
        found = self.event.get("ATTENDEE", [])
        found = found if isinstance(found, list) else [found]
        return sorted(str(a).removeprefix("mailto:").lower() for a in found)


def calendar_part(message: EmailMessage) -> Calendar | None:
    """The iMIP part (text/calendar inside the alternative), parsed; None without one."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            calendar = Calendar.from_ical(payload)
            # The method parameter must equal METHOD inside (Outlook refuses otherwise).
            assert part.get_param("method") == str(calendar["METHOD"])
            return calendar
    return None


async def made_mail() -> int:
    """Make the messages of every mailing recorded so far, as the server's sender does
    right after the change commits; how many were written to the outbox."""
    return await mailing_expansion.expand_due()


async def outbox(after: int = 0) -> list[Sent]:
    """Every message queued after the outbox row `after`, oldest first (the mailings'
    made first)."""
    await made_mail()
    found = []
    for row in await OutboxMessage.filter(id__gt=after).order_by("id"):
        message = message_from_string(row.message, policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(Sent(row.recipient, message, calendar_part(message)))
    return found


async def last_outbox_id() -> int:
    """The newest outbox row's id (the mailings' messages made first)."""
    await made_mail()
    row = await OutboxMessage.all().order_by("-id").first()
    return row.pk if row is not None else 0
