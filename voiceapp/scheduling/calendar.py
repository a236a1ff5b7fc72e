"""The meeting as an iCalendar invitation (RFC 5545, iTIP RFC 5546), with icalendar.

One VEVENT per calendar, whose UID never changes for the meeting: a new UID is a new
event, and every calendar would then show the meeting twice. A one-off meeting is written
in UTC; a series in its zone's local time with a TZID and the matching VTIMEZONE, so it
keeps its wall-clock time across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from icalendar import Calendar, Event, Timezone, vCalAddress, vRecur

from voiceapp.scheduling.dial_in import details_for_invitees, dial_in_text, location
from voiceapp.scheduling.meeting_view import DialIn, InviteeView, MeetingView
from voiceapp.scheduling.repeat import latest_day, rrule
from voiceapp.scheduling.time_zones import vtimezone

PRODID = "-//voiceapp//Conference invitations//EN"


class Method(StrEnum):
    """The iTIP method: the VCALENDAR's METHOD and the MIME part's method parameter."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def request(
    meeting: MeetingView,
    invitees: Iterable[InviteeView],
    dial_in: DialIn,
    language: str,
    *,
    stamp: datetime,
) -> Calendar:
    """METHOD:REQUEST: an invitation, or an update of one (same UID, higher SEQUENCE).

    `invitees` are everyone invited, each an ATTENDEE; `language` is the reader's, for
    DESCRIPTION (the details and the dial-in block) and LOCATION.
    """
    event = _event(meeting, invitees, stamp)
    _describe(event, meeting, dial_in, language)
    event.add("STATUS", "CONFIRMED")
    return _calendar(Method.REQUEST, meeting, event)


def feed_event(meeting: MeetingView, dial_in: DialIn, language: str, *, stamp: datetime) -> Event:
    """The meeting as one VEVENT of a subscribed calendar feed: the same UID, times,
    repeat and text as the invitations, but no ATTENDEE (a feed is a view of a
    calendar, not an invitation). A series' TZID needs `vtimezone_for(meeting)` in the
    feed's VCALENDAR too."""
    event = _event(meeting, (), stamp)
    _describe(event, meeting, dial_in, language)
    return event


def vtimezone_for(meeting: MeetingView) -> Timezone | None:
    """The VTIMEZONE a series' DTSTART;TZID refers to; None for a one-off (in UTC)."""
    if meeting.repeat is None:
        return None
    return vtimezone(meeting.zone, meeting.start.date(), latest_day(meeting.start, meeting.repeat))


def cancel(
    meeting: MeetingView,
    attendees: Iterable[InviteeView],
    *,
    stamp: datetime,
    whole_meeting: bool,
) -> Calendar:
    """METHOD:CANCEL, with the meeting's UID and a SEQUENCE higher than the last sent.

    whole_meeting: the meeting is cancelled (STATUS:CANCELLED, every attendee).
    Otherwise `attendees` are the people uninvited, and only they are listed: a CANCEL
    naming attendees without STATUS removes the event from their calendars alone.
    """
    event = _event(meeting, attendees, stamp)
    if whole_meeting:
        event.add("STATUS", "CANCELLED")
    return _calendar(Method.CANCEL, meeting, event)


def method_of(calendar: Calendar) -> Method:
    return Method(str(calendar["METHOD"]))


def _calendar(method: Method, meeting: MeetingView, event: Event) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method.value)
    timezone = vtimezone_for(meeting)
    if timezone is not None:
        calendar.add_component(timezone)
    calendar.add_component(event)
    return calendar


def _describe(event: Event, meeting: MeetingView, dial_in: DialIn, language: str) -> None:
    """DESCRIPTION (the details, then the dial-in block) and LOCATION, in `language`."""
    description = "\n\n".join(
        part
        for part in (
            details_for_invitees(meeting.details, dial_in),
            dial_in_text(dial_in, language),
        )
        if part
    )
    event.add("DESCRIPTION", description)
    event.add("LOCATION", location(dial_in, language))


def _event(meeting: MeetingView, attendees: Iterable[InviteeView], stamp: datetime) -> Event:
    if stamp.tzinfo is None:
        raise ValueError("DTSTAMP needs an aware datetime")
    event = Event()
    event.add("UID", meeting.uid)
    event.add("SEQUENCE", meeting.sequence)
    event.add("DTSTAMP", stamp.astimezone(UTC))
    if meeting.repeat is None:
        event.add("DTSTART", meeting.start.astimezone(UTC))
        event.add("DTEND", meeting.end.astimezone(UTC))
    else:
        # Local time with TZID=<IANA key>: icalendar writes the ZoneInfo's key.
        event.add("DTSTART", meeting.start)
        event.add("DTEND", meeting.end)
        event.add("RRULE", vRecur(rrule(meeting.start, meeting.repeat)))
    event.add("SUMMARY", meeting.subject)
    event.add("ORGANIZER", vCalAddress.new(meeting.organizer.email, cn=meeting.organizer.name))
    for attendee in attendees:
        event.add(
            "ATTENDEE",
            vCalAddress.new(
                attendee.email,
                cn=attendee.name or None,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp=True,
            ),
        )
    return event
