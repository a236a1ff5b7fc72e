"""The invitation's calendar, read back with icalendar and expanded with
recurring-ical-events as a calendar program would: iTIP methods, one UID, SEQUENCE,
a VTIMEZONE for every TZID, and series that keep their wall-clock time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Component, Event, Timezone

from voiceapp.core.errors import InvalidInput
from voiceapp.scheduling import calendar as ical
from voiceapp.scheduling.meeting_view import (
    DialIn,
    DialInNumber,
    Frequency,
    InviteeView,
    MeetingView,
    Organizer,
    RepeatRule,
    Weekday,
)
from voiceapp.scheduling.repeat import check_repeat, parse_frequency
from voiceapp.scheduling.time_zones import vtimezone

PARIS = ZoneInfo("Europe/Paris")
STAMP = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
DIAL_IN = DialIn(
    (DialInNumber("+33180000001", "fr"), DialInNumber("+34910000001", "es")), "1234", "4321"
)
ANA = InviteeView("Ana Núñez", "ana@example.com", "es")
JURGEN = InviteeView("Jürgen Müller", "jurgen@example.com", "en")
ELODIE = InviteeView("Élodie Brébant", "elodie@example.com", "fr")
EVERYONE = [ANA, JURGEN, ELODIE]


def meeting(
    start: datetime = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS),
    repeat: RepeatRule | None = None,
    sequence: int = 0,
) -> MeetingView:
    return MeetingView(
        uid="meeting-42@voiceapp.example.org",
        sequence=sequence,
        subject="Revue trimestrielle",
        organizer=Organizer("Zoé Martin", "zoe@example.com"),
        details="Préparez les chiffres.",
        start=start,
        duration=timedelta(minutes=45),
        repeat=repeat,
    )


def read(calendar: Calendar) -> Calendar:
    """The calendar as a receiving program gets it: serialized, then parsed."""
    return Calendar.from_ical(calendar.to_ical())


def only_event(calendar: Calendar) -> Event:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def attendees(event: Event) -> list[str]:
    found = event.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return sorted(str(address) for address in found)


def tzids(component: Component) -> set[str]:
    """Every TZID parameter on any property of the calendar."""
    found = set()
    for part in component.walk():
        for value in part.values():
            for one in value if isinstance(value, list) else [value]:
                params = getattr(one, "params", {})
                if "TZID" in params:
                    found.add(params["TZID"])
    return found


def test_a_one_off_invitation_carries_every_property_an_itip_request_needs() -> None:
    calendar = read(ical.request(meeting(), EVERYONE, DIAL_IN, "fr", stamp=STAMP))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    event = only_event(calendar)
    assert event["UID"] == "meeting-42@voiceapp.example.org"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTAMP") == STAMP
    # A one-off is written in UTC: nothing for a program to resolve.
    assert event.decoded("DTSTART") == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 7, 9, 45, tzinfo=UTC)
    assert event.to_ical().decode().count("Z\r\n") >= 3  # DTSTAMP, DTSTART, DTEND
    assert tzids(calendar) == set()
    assert event["SUMMARY"] == "Revue trimestrielle"
    assert "RRULE" not in event
    assert event["STATUS"] == "CONFIRMED"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:zoe@example.com"
    assert organizer.params["CN"] == "Zoé Martin"
    assert attendees(event) == [
        "mailto:ana@example.com",
        "mailto:elodie@example.com",
        "mailto:jurgen@example.com",
    ]
    for attendee in event["ATTENDEE"]:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
    assert {a.params["CN"] for a in event["ATTENDEE"]} == {
        "Ana Núñez",
        "Jürgen Müller",
        "Élodie Brébant",
    }


def test_description_and_location_carry_the_dial_in_block_in_the_readers_language() -> None:
    french = only_event(read(ical.request(meeting(), EVERYONE, DIAL_IN, "fr", stamp=STAMP)))
    spanish = only_event(read(ical.request(meeting(), EVERYONE, DIAL_IN, "es", stamp=STAMP)))

    description = str(french["DESCRIPTION"])
    assert description.startswith("Préparez les chiffres.\n\nParticiper par téléphone\n")
    assert "+33 1 80 00 00 01 (+33180000001), en français" in description
    assert "tel:+33180000001,,1234#,,4321#" in description
    assert "Numéro de conférence : 1234" in description
    assert "Code d'accès : 4321" in description
    # LOCATION: the first number, the one greeting in the reader's language first.
    assert french["LOCATION"] == "+33 1 80 00 00 01 (tel:+33180000001,,1234#,,4321#)"
    assert spanish["LOCATION"] == "+34 910 00 00 01 (tel:+34910000001,,1234#,,4321#)"
    assert "Participar por teléfono" in str(spanish["DESCRIPTION"])


def test_an_update_keeps_the_uid_and_raises_the_sequence() -> None:
    first = only_event(read(ical.request(meeting(), EVERYONE, DIAL_IN, "en", stamp=STAMP)))
    moved = meeting(start=datetime(2026, 12, 7, 11, 0, tzinfo=PARIS), sequence=1)
    later = STAMP + timedelta(days=1)
    second = only_event(read(ical.request(moved, EVERYONE, DIAL_IN, "en", stamp=later)))

    assert second["UID"] == first["UID"]
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (0, 1)
    assert second.decoded("DTSTAMP") > first.decoded("DTSTAMP")
    assert second.decoded("DTSTART") == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_uninviting_sends_a_cancel_naming_only_the_people_removed_without_status() -> None:
    calendar = read(ical.cancel(meeting(sequence=1), [JURGEN], stamp=STAMP, whole_meeting=False))

    assert calendar["METHOD"] == "CANCEL"
    event = only_event(calendar)
    assert event["UID"] == "meeting-42@voiceapp.example.org"
    assert event["SEQUENCE"] == 1
    assert attendees(event) == ["mailto:jurgen@example.com"]
    assert "STATUS" not in event


def test_cancelling_the_meeting_sends_status_cancelled_to_everyone() -> None:
    calendar = read(ical.cancel(meeting(sequence=2), EVERYONE, stamp=STAMP, whole_meeting=True))

    assert calendar["METHOD"] == "CANCEL"
    event = only_event(calendar)
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 2
    assert len(attendees(event)) == 3


WEEKLY_ACROSS_SPRING = RepeatRule(Frequency.WEEKLY, weekdays=(Weekday.MO,), count=5)
# Monday 16 March 2026, 10:00 in Paris: winter time; the clocks change on Sunday 29 March.
SPRING_START = datetime(2026, 3, 16, 10, 0, tzinfo=PARIS)


def test_every_tzid_has_its_vtimezone() -> None:
    series = meeting(start=SPRING_START, repeat=WEEKLY_ACROSS_SPRING)
    for calendar in (
        ical.request(series, EVERYONE, DIAL_IN, "fr", stamp=STAMP),
        ical.cancel(series, EVERYONE, stamp=STAMP, whole_meeting=True),
    ):
        parsed = read(calendar)
        used = tzids(parsed)
        assert used == {"Europe/Paris"}
        assert {str(zone["TZID"]) for zone in parsed.walk("VTIMEZONE")} == used
        event = only_event(parsed)
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event["DTSTART"].to_ical() == b"20260316T100000"


def test_a_weekly_series_across_the_last_sunday_of_march_stays_at_10_local() -> None:
    series = meeting(start=SPRING_START, repeat=WEEKLY_ACROSS_SPRING)
    calendar = read(ical.request(series, EVERYONE, DIAL_IN, "fr", stamp=STAMP))
    assert str(only_event(calendar)["RRULE"].to_ical(), "ascii") == "FREQ=WEEKLY;COUNT=5;BYDAY=MO"

    sittings = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2027, 1, 1))
    starts = sorted(sitting.decoded("DTSTART") for sitting in sittings)
    assert [start.date() for start in starts] == [
        date(2026, 3, 16),
        date(2026, 3, 23),
        date(2026, 3, 30),
        date(2026, 4, 6),
        date(2026, 4, 13),
    ]
    assert {start.astimezone(PARIS).strftime("%H:%M") for start in starts} == {"10:00"}
    # In UTC: 09:00 in winter, 08:00 once the clocks went forward.
    assert [start.astimezone(UTC).hour for start in starts] == [9, 9, 8, 8, 8]
    assert {sitting.decoded("DTEND") - sitting.decoded("DTSTART") for sitting in sittings} == {
        timedelta(minutes=45)
    }

    # A program that reads the VTIMEZONE itself (Outlook maps it, not the IANA name)
    # puts each sitting at the same instants.
    (zone,) = calendar.walk("VTIMEZONE")
    as_written = zone.to_tz(lookup_tzid=False)
    for start in starts:
        local = start.astimezone(PARIS).replace(tzinfo=None)
        assert local.replace(tzinfo=as_written).astimezone(UTC) == start.astimezone(UTC)


def test_the_vtimezone_is_written_with_yearly_rules_outlook_reads() -> None:
    """Outlook ignores RDATE in a VTIMEZONE (icalendar's own from_tzinfo writes those)."""
    zone = vtimezone(PARIS, date(2026, 3, 16), date(2026, 6, 1)).to_ical().decode()
    assert "RDATE" not in zone
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in zone
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in zone


@pytest.mark.parametrize(
    "key",
    [
        "Europe/Paris",
        "America/New_York",
        "Australia/Sydney",  # summer time across the new year
        "Australia/Lord_Howe",  # a half-hour change
        "Europe/Dublin",  # tzdata calls Irish winter time DST
        "Africa/Casablanca",  # changes that follow no yearly rule: an RDATE list
        "Asia/Tokyo",  # no change at all
    ],
)
def test_the_vtimezone_gives_the_zones_offsets_over_the_whole_series(key: str) -> None:
    zone = ZoneInfo(key)
    written = vtimezone(zone, date(2026, 1, 10), date(2027, 12, 20)).to_tz(lookup_tzid=False)

    def wrong(moment: datetime) -> bool:
        return moment.astimezone(written).utcoffset() != moment.astimezone(zone).utcoffset()

    day = datetime(2026, 1, 10, tzinfo=UTC)
    mistakes = []
    while day < datetime(2027, 12, 21, tzinfo=UTC):
        following = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() == following.astimezone(zone).utcoffset():
            moments = [day]
        else:  # the day of a change: every quarter of an hour, around it too
            moments = [day + timedelta(minutes=15) * step for step in range(96)]
        mistakes += [moment for moment in moments if wrong(moment)]
        day = following
    assert mistakes == []


def test_until_is_in_utc_and_keeps_the_meeting_on_its_last_day() -> None:
    rule = RepeatRule(Frequency.DAILY, until=date(2026, 3, 31))
    start = datetime(2026, 3, 27, 23, 30, tzinfo=PARIS)
    calendar = read(
        ical.request(meeting(start=start, repeat=rule), EVERYONE, DIAL_IN, "en", stamp=STAMP)
    )
    until = only_event(calendar)["RRULE"]["UNTIL"][0]
    assert until == datetime(2026, 3, 31, 21, 59, 59, tzinfo=UTC)  # 23:59:59 in Paris, summer

    sittings = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2027, 1, 1))
    days = sorted(sitting.decoded("DTSTART").astimezone(PARIS).date() for sitting in sittings)
    assert days == [date(2026, 3, day) for day in (27, 28, 29, 30, 31)]


def test_a_monthly_series_falls_on_one_day_of_the_month() -> None:
    rule = RepeatRule(Frequency.MONTHLY, month_days=(15,), count=4)
    start = datetime(2026, 9, 15, 16, 0, tzinfo=PARIS)
    calendar = read(
        ical.request(meeting(start=start, repeat=rule), EVERYONE, DIAL_IN, "en", stamp=STAMP)
    )
    assert only_event(calendar)["RRULE"].to_ical() == b"FREQ=MONTHLY;COUNT=4;BYMONTHDAY=15"

    sittings = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2027, 6, 1))
    starts = sorted(sitting.decoded("DTSTART").astimezone(PARIS) for sitting in sittings)
    assert [(s.month, s.day, s.hour) for s in starts] == [
        (9, 15, 16),
        (10, 15, 16),
        (11, 15, 16),  # after the autumn change: still 16:00 in Paris
        (12, 15, 16),
    ]


def test_a_weekly_series_on_several_days_lists_them_in_week_order() -> None:
    rule = RepeatRule(Frequency.WEEKLY, weekdays=(Weekday.TH, Weekday.MO, Weekday.TH), count=4)
    start = datetime(2026, 3, 16, 10, 0, tzinfo=PARIS)
    calendar = read(
        ical.request(meeting(start=start, repeat=rule), EVERYONE, DIAL_IN, "en", stamp=STAMP)
    )
    assert only_event(calendar)["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=4;BYDAY=MO,TH"
    sittings = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2027, 1, 1))
    assert sorted(s.decoded("DTSTART").day for s in sittings) == [16, 19, 23, 26]


def test_a_daily_series() -> None:
    rule = RepeatRule(Frequency.DAILY, count=3)
    calendar = read(ical.request(meeting(repeat=rule), EVERYONE, DIAL_IN, "en", stamp=STAMP))
    assert only_event(calendar)["RRULE"].to_ical() == b"FREQ=DAILY;COUNT=3"


MONDAY = datetime(2026, 3, 16, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("rule", "field", "says"),
    [
        (
            RepeatRule(Frequency.MONTHLY, month_days=(1, 15), count=3),
            "repeat_month_day",
            "exactly one day of the month",
        ),
        (
            RepeatRule(Frequency.MONTHLY, month_days=(31,), count=3),
            "repeat_month_day",
            "days 1 to 28 only",
        ),
        (
            RepeatRule(Frequency.MONTHLY, month_days=(20,), count=3),
            "repeat_month_day",
            "day of the month of the first meeting (16), not on day 20",
        ),
        (
            RepeatRule(Frequency.MONTHLY, weekdays=(Weekday.MO,), month_days=(16,), count=3),
            "repeat_weekdays",
            "not on days of the week",
        ),
        (RepeatRule(Frequency.WEEKLY, count=3), "repeat_weekdays", "choose the days"),
        (
            RepeatRule(Frequency.WEEKLY, weekdays=(Weekday.TU,), count=3),
            "repeat_weekdays",
            "first meeting must fall on one of the days",
        ),
        (
            RepeatRule(Frequency.WEEKLY, weekdays=(Weekday.MO,), month_days=(16,), count=3),
            "repeat_month_day",
            "not days of the month",
        ),
        (
            RepeatRule(Frequency.DAILY, weekdays=(Weekday.MO,), count=3),
            "repeat",
            "choose weekly",
        ),
        (RepeatRule(Frequency.DAILY), "repeat_count", "give one of the two"),
        (
            RepeatRule(Frequency.DAILY, count=3, until=date(2026, 4, 1)),
            "repeat_count",
            "give one of the two",
        ),
        (RepeatRule(Frequency.DAILY, count=1000), "repeat_count", "1 to 999 meetings"),
        (RepeatRule(Frequency.DAILY, count=0), "repeat_count", "1 to 999 meetings"),
        (
            RepeatRule(Frequency.DAILY, until=date(2026, 3, 15)),
            "repeat_until",
            "before the first meeting",
        ),
    ],
)
def test_patterns_some_calendar_would_show_otherwise_are_refused(
    rule: RepeatRule, field: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(says)) as refused:
        check_repeat(MONDAY, rule)
    assert refused.value.field == field
    # The calendar itself cannot be made with it either.
    with pytest.raises(InvalidInput):
        ical.request(meeting(start=MONDAY, repeat=rule), EVERYONE, DIAL_IN, "en", stamp=STAMP)
    # And the organizer reads why in their language.
    assert refused.value.in_language("fr") != refused.value.message


@pytest.mark.parametrize("typed", ["yearly", "hourly", "every other week", ""])
def test_only_daily_weekly_and_monthly_are_patterns(typed: str) -> None:
    with pytest.raises(InvalidInput, match="daily, weekly or monthly") as refused:
        parse_frequency(typed)
    assert refused.value.field == "repeat"
    assert parse_frequency(" Weekly ") is Frequency.WEEKLY


def test_a_feed_event_is_the_same_event_without_attendees() -> None:
    series = meeting(start=SPRING_START, repeat=WEEKLY_ACROSS_SPRING)
    event = ical.feed_event(series, DIAL_IN, "en", stamp=STAMP)
    assert event["UID"] == "meeting-42@voiceapp.example.org"
    assert "ATTENDEE" not in event
    assert "tel:+33180000001,,1234#,,4321#" in str(event["DESCRIPTION"])
    zone = ical.vtimezone_for(series)
    assert isinstance(zone, Timezone)
    assert zone["TZID"] == "Europe/Paris"
    assert ical.vtimezone_for(meeting()) is None


def test_a_meeting_needs_its_zone_and_a_stamp_needs_one_too() -> None:
    with pytest.raises(ValueError, match="IANA zone"):
        meeting(start=datetime(2026, 12, 7, 10, 0))
    with pytest.raises(ValueError, match="aware"):
        ical.request(meeting(), EVERYONE, DIAL_IN, "en", stamp=datetime(2026, 3, 1))
