"""The e-mails about a meeting, one per reader, in the reader's language (iMIP, RFC 6047).

An invitation is multipart/mixed: a multipart/alternative of text/plain, text/html and
`text/calendar; method=REQUEST; charset=UTF-8` (what Outlook, Gmail and Apple Mail turn
into Accept/Decline buttons), then the same calendar attached as invite.ics for the
programs that only import attachments. The method parameter is read from the calendar's
own METHOD, so the two cannot disagree (Outlook rejects a mismatch).

Python's EmailMessage sends accented text as 8bit, which a relay without 8BITMIME
mangles: the text parts are quoted-printable and the calendar base64.

Each function returns the message; the caller puts it in the outbox. Nothing here reads
the clock: `now` is the DTSTAMP and the Date header.

The messages to invitees differ by language only: `invitation_in`, `update_in`,
`cancellation_in` and `reminder_in` make the message every reader of one language
receives, without To or Message-ID, which mail.wire.prepare_copies adds to each copy (a
mailing to 200 people makes 3 messages, not 200). `invitation` and the others are the
same message addressed to one person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import Enum
from typing import Any

from icalendar import Calendar

from voiceapp.core.i18n import N_, format_message
from voiceapp.scheduling import calendar as ical
from voiceapp.scheduling.changes import Change
from voiceapp.scheduling.dial_in import details_for_invitees, dial_in_block
from voiceapp.scheduling.mail_body import MailBody, Section, render_html, render_text
from voiceapp.scheduling.meeting_view import DialIn, InviteeView, MeetingView
from voiceapp.scheduling.wording import duration_text, lead_time_text, repeat_text, when_text

CALENDAR_FILENAME = "invite.ics"


def invitation(
    meeting: MeetingView,
    invitee: InviteeView,
    invitees: Sequence[InviteeView],
    dial_in: DialIn,
    *,
    sender: str | Address,
    now: datetime,
) -> EmailMessage:
    """The first invitation, or the same again when the organizer resends it."""
    return invitation_in(
        invitee.language, meeting, invitees, dial_in, sender=sender, now=now, to=invitee
    )


def invitation_in(
    language: str,
    meeting: MeetingView,
    invitees: Sequence[InviteeView],
    dial_in: DialIn,
    *,
    sender: str | Address,
    now: datetime,
    to: InviteeView | None = None,
) -> EmailMessage:
    """`invitation` in `language`, for `to`, or for copies when `to` is None."""
    return _request_in(
        language,
        meeting,
        invitees,
        dial_in,
        intro=N_("%(organizer)s invites you to a conference call by phone."),
        subject=N_("Invitation: %(subject)s"),
        sender=sender,
        now=now,
        to=to,
    )


def update(
    meeting: MeetingView,
    invitee: InviteeView,
    invitees: Sequence[InviteeView],
    dial_in: DialIn,
    changes: Sequence[Change[Any]],
    *,
    sender: str | Address,
    now: datetime,
) -> EmailMessage:
    """A REQUEST again, same UID: `meeting` carries the new values and the raised
    SEQUENCE; `changes` (changes.changes_between) say what an invitee should look at."""
    return update_in(
        invitee.language, meeting, invitees, dial_in, changes, sender=sender, now=now, to=invitee
    )


def update_in(
    language: str,
    meeting: MeetingView,
    invitees: Sequence[InviteeView],
    dial_in: DialIn,
    changes: Sequence[Change[Any]],
    *,
    sender: str | Address,
    now: datetime,
    to: InviteeView | None = None,
) -> EmailMessage:
    """`update` in `language`, for `to`, or for copies when `to` is None."""
    return _request_in(
        language,
        meeting,
        invitees,
        dial_in,
        intro=N_("%(organizer)s has changed this conference call."),
        subject=N_("Updated invitation: %(subject)s"),
        changes=changes,
        sender=sender,
        now=now,
        to=to,
    )


def _request_in(
    language: str,
    meeting: MeetingView,
    invitees: Sequence[InviteeView],
    dial_in: DialIn,
    *,
    intro: str,
    subject: str,
    changes: Sequence[Change[Any]] = (),
    sender: str | Address,
    now: datetime,
    to: InviteeView | None,
) -> EmailMessage:
    """A REQUEST (a first invitation, or an update: same UID), in `language`: the
    sentences that say which (`intro`, `subject`, with the organizer's name and the
    meeting's subject in them) and what changed; the rest is the meeting's, as is."""
    body = MailBody(
        language=language,
        title=meeting.subject,
        intro=_say(language, intro, organizer=meeting.organizer.name),
        before_facts=_changes(changes, language),
        facts=_facts(meeting, language),
        details=_details(meeting, dial_in, language),
        dial_in=dial_in_block(dial_in, language),
        footer=_footer(meeting, language),
    )
    return _message(
        sender=sender,
        to=_reader(to),
        reply_to=meeting,
        subject=_say(language, subject, subject=meeting.subject),
        body=body,
        calendar=ical.request(meeting, invitees, dial_in, language, stamp=now),
        now=now,
    )


def withdrawal(
    meeting: MeetingView,
    invitee: InviteeView,
    *,
    sender: str | Address,
    now: datetime,
) -> EmailMessage:
    """To someone removed from the list: a CANCEL naming only them, without STATUS, so
    the meeting leaves their calendar and stays in everyone else's."""
    language = invitee.language
    body = MailBody(
        language=language,
        title=meeting.subject,
        intro=_say(
            language,
            N_(
                "%(organizer)s has withdrawn your invitation to this conference call: "
                "you no longer need to join it."
            ),
            organizer=meeting.organizer.name,
        ),
        facts=_facts(meeting, language),
        footer=_footer(meeting, language),
    )
    return _message(
        sender=sender,
        to=_address(invitee.name, invitee.email),
        reply_to=meeting,
        subject=_say(language, N_("Invitation withdrawn: %(subject)s"), subject=meeting.subject),
        body=body,
        calendar=ical.cancel(meeting, [invitee], stamp=now, whole_meeting=False),
        now=now,
    )


def cancellation(
    meeting: MeetingView,
    invitee: InviteeView,
    invitees: Sequence[InviteeView],
    *,
    sender: str | Address,
    now: datetime,
) -> EmailMessage:
    """The meeting is called off: a CANCEL with STATUS:CANCELLED naming everyone."""
    return cancellation_in(invitee.language, meeting, invitees, sender=sender, now=now, to=invitee)


def cancellation_in(
    language: str,
    meeting: MeetingView,
    invitees: Sequence[InviteeView],
    *,
    sender: str | Address,
    now: datetime,
    to: InviteeView | None = None,
) -> EmailMessage:
    """`cancellation` in `language`, for `to`, or for copies when `to` is None."""
    intro = (
        N_("%(organizer)s has cancelled this conference call, every meeting of the series.")
        if meeting.repeat
        else N_("%(organizer)s has cancelled this conference call.")
    )
    body = MailBody(
        language=language,
        title=meeting.subject,
        intro=_say(language, intro, organizer=meeting.organizer.name),
        facts=_facts(meeting, language),
        footer=_footer(meeting, language),
    )
    return _message(
        sender=sender,
        to=_reader(to),
        reply_to=meeting,
        subject=_say(language, N_("Cancelled: %(subject)s"), subject=meeting.subject),
        body=body,
        calendar=ical.cancel(meeting, invitees, stamp=now, whole_meeting=True),
        now=now,
    )


def reminder(
    meeting: MeetingView,
    invitee: InviteeView,
    dial_in: DialIn,
    *,
    starts_at: datetime,
    lead: timedelta,
    sender: str | Address,
    now: datetime,
) -> EmailMessage:
    """The meeting (of the series) starting at `starts_at` "starts in 15 minutes".
    No calendar: the invitation already put it there, and a second REQUEST would only
    ask again for an answer."""
    return reminder_in(
        invitee.language,
        meeting,
        dial_in,
        starts_at=starts_at,
        lead=lead,
        sender=sender,
        now=now,
        to=invitee,
    )


def reminder_in(
    language: str,
    meeting: MeetingView,
    dial_in: DialIn,
    *,
    starts_at: datetime,
    lead: timedelta,
    sender: str | Address,
    now: datetime,
    to: InviteeView | None = None,
) -> EmailMessage:
    """`reminder` in `language`, for `to`, or for copies when `to` is None."""
    occurrence = starts_at.astimezone(meeting.zone)
    when = lead_time_text(lead, language)
    body = MailBody(
        language=language,
        title=meeting.subject,
        intro=_say(language, N_("Your conference call starts %(when)s."), when=when),
        facts=(
            (_say(language, N_("When")), when_text(occurrence, language)),
            (_say(language, N_("Duration")), duration_text(meeting.duration, language)),
            (_say(language, N_("Organizer")), _person(meeting)),
        ),
        dial_in=dial_in_block(dial_in, language),
        footer=_footer(meeting, language),
    )
    return _message(
        sender=sender,
        to=_reader(to),
        reply_to=meeting,
        subject=_say(
            language,
            # Translators: %(when)s is "in 15 minutes", "in 1 hour", "in 1 day".
            N_("Reminder: %(subject)s starts %(when)s"),
            subject=meeting.subject,
            when=when,
        ),
        body=body,
        calendar=None,
        now=now,
    )


class Confirmation(Enum):
    """What the organizer's confirmation reports: subject line and first sentence."""

    SCHEDULED = (
        N_("Scheduled: %(subject)s"),
        N_("Your conference call is scheduled. Each person below receives an invitation."),
    )
    UPDATED = (
        N_("Updated: %(subject)s"),
        N_("Your conference call is updated. Each person below receives the update."),
    )
    CANCELLED = (
        N_("Cancelled: %(subject)s"),
        N_("Your conference call is cancelled. Each person below is told."),
    )


def organizer_confirmation(
    meeting: MeetingView,
    invitees: Sequence[InviteeView],
    dial_in: DialIn,
    *,
    language: str,
    what: Confirmation,
    changes: Sequence[Change[Any]] = (),
    sender: str | Address,
    now: datetime,
) -> EmailMessage:
    """To the organizer, in their language: what was done and who was invited. Plain
    text and HTML only: Outlook moves a REQUEST sent to its own organizer to Deleted
    Items, and the organizer's calendar has the meeting from the feed."""
    subject_line, intro = what.value
    invited = tuple(str(_address(person.name, person.email)) for person in invitees)
    body = MailBody(
        language=language,
        title=meeting.subject,
        intro=format_message(language, intro),
        before_facts=_changes(changes, language) if changes else None,
        facts=_facts(meeting, language),
        after_facts=Section(_say(language, N_("Invited")), invited),
        details=_details(meeting, dial_in, language)
        if what is not Confirmation.CANCELLED
        else None,
        dial_in=dial_in_block(dial_in, language) if what is not Confirmation.CANCELLED else None,
    )
    return _message(
        sender=sender,
        to=_address(meeting.organizer.name, meeting.organizer.email),
        reply_to=None,
        subject=_say(language, subject_line, subject=meeting.subject),
        body=body,
        calendar=None,
        now=now,
    )


def _say(language: str, message: str, **params: str) -> str:
    return format_message(language, message, params or None)


def _person(meeting: MeetingView) -> str:
    return str(_address(meeting.organizer.name, meeting.organizer.email))


def _facts(meeting: MeetingView, language: str) -> tuple[tuple[str, str], ...]:
    facts = [
        (_say(language, N_("When")), when_text(meeting.start, language)),
        (_say(language, N_("Duration")), duration_text(meeting.duration, language)),
    ]
    if meeting.repeat is not None:
        facts.append((_say(language, N_("Repeats")), repeat_text(meeting.repeat, language)))
    facts.append((_say(language, N_("Organizer")), _person(meeting)))
    return tuple(facts)


def _details(meeting: MeetingView, dial_in: DialIn, language: str) -> Section | None:
    text = details_for_invitees(meeting.details, dial_in)
    if not text:
        return None
    return Section(_say(language, N_("Details")), tuple(text.splitlines()))


def _changes(changes: Sequence[Change[Any]], language: str) -> Section | None:
    if not changes:
        return None
    return Section(
        _say(language, N_("What changed")), tuple(change.text(language) for change in changes)
    )


def _footer(meeting: MeetingView, language: str) -> str:
    return _say(
        language,
        N_("Sent on behalf of %(organizer)s: reply to this message to write to them."),
        organizer=meeting.organizer.name,
    )


def _one_line(text: str) -> str:
    """A header value from typed text: a line break in it would end the header."""
    return " ".join(text.split())


def _address(name: str, email: str) -> Address:
    """Name <email>, the name RFC 2047-encoded by the policy when it is not ASCII."""
    return Address(display_name=_one_line(name), addr_spec=email.strip())


def address_of(person: InviteeView) -> Address:
    """How a message's To names `person` (what mail.wire.prepare_copies takes)."""
    return _address(person.name, person.email)


def _reader(person: InviteeView | None) -> Address | None:
    return None if person is None else address_of(person)


def _message(
    *,
    sender: str | Address,
    to: Address | None,
    reply_to: MeetingView | None,
    subject: str,
    body: MailBody,
    calendar: Calendar | None,
    now: datetime,
) -> EmailMessage:
    if now.tzinfo is None:
        raise ValueError("the Date header needs an aware datetime")
    message = EmailMessage()
    message["From"] = sender
    if to is not None:  # else a message for copies: each gets its To and Message-ID
        message["To"] = to
    if reply_to is not None:
        # From is the server's address; a reply reaches the organizer.
        message["Reply-To"] = _address(reply_to.organizer.name, reply_to.organizer.email)
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(now)
    if to is not None:
        message["Message-ID"] = make_msgid(domain=message["From"].addresses[0].domain or None)
    message.set_content(render_text(body), subtype="plain", cte="quoted-printable")
    message.add_alternative(render_html(body), subtype="html", cte="quoted-printable")
    if calendar is not None:
        # Bytes, so the calendar's CRLF line ends go out exactly as icalendar wrote them.
        data = calendar.to_ical()
        method = ical.method_of(calendar).value
        message.add_alternative(
            data,
            maintype="text",
            subtype="calendar",
            cte="base64",
            params={"method": method, "charset": "UTF-8"},
        )
        message.add_attachment(
            data,
            maintype="application",
            subtype="ics",
            filename=CALENDAR_FILENAME,
            params={"name": CALENDAR_FILENAME},  # the name some programs read instead
        )
    # Last: set_content and add_attachment move the Content-* headers they find.
    message["Content-Language"] = body.language
    return message
