"""From the meeting tables to the plain views the invitations are made from (meeting_view).

The booking flows read rows, turn them into views here, and hand the views to the
message builders: the only code that knows both the columns and the views.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from voiceapp.core.models import Bridge, Meeting, PhoneNumber, Repeat, Room
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

LOCAL_START_FORMAT = "%Y-%m-%d %H:%M"  # Meeting.local_start


def repeat_rule(
    repeat: Repeat,
    weekdays: str,
    month_day: int | None,
    count: int | None,
    until: date | None,
) -> RepeatRule | None:
    """The RepeatRule the Meeting columns describe; None for a single meeting."""
    if repeat is Repeat.NONE:
        return None
    return RepeatRule(
        frequency=Frequency(repeat.value),
        weekdays=tuple(Weekday(day) for day in weekdays.split(",") if day),
        month_days=(month_day,) if month_day is not None else (),
        count=count,
        until=until,
    )


def repeat_columns(rule: RepeatRule | None) -> dict[str, Any]:
    """The Meeting columns that store `rule`."""
    if rule is None:
        return {
            "repeat": Repeat.NONE,
            "repeat_weekdays": "",
            "repeat_month_day": None,
            "repeat_count": None,
            "repeat_until": None,
        }
    return {
        "repeat": Repeat(rule.frequency.value),
        "repeat_weekdays": ",".join(day.value for day in sorted(rule.weekdays, key=_index)),
        "repeat_month_day": rule.month_days[0] if rule.month_days else None,
        "repeat_count": rule.count,
        "repeat_until": rule.until,
    }


def _index(day: Weekday) -> int:
    return day.index


def first_start(meeting: Meeting) -> datetime:
    """The first meeting's start, in its zone, with the fold the organizer chose (kept
    in starts_at, the UTC instant)."""
    zone = ZoneInfo(meeting.time_zone)
    return meeting.starts_at.astimezone(zone)


def meeting_view(meeting: Meeting, organizer_email: str) -> MeetingView:
    return MeetingView(
        uid=meeting.uid,
        sequence=meeting.sequence,
        subject=meeting.subject,
        organizer=Organizer(name=meeting.organizer_name, email=organizer_email),
        details=meeting.details,
        start=first_start(meeting),
        duration=timedelta(minutes=meeting.duration_minutes),
        repeat=repeat_rule(
            meeting.repeat,
            meeting.repeat_weekdays,
            meeting.repeat_month_day,
            meeting.repeat_count,
            meeting.repeat_until,
        ),
    )


async def dial_in_numbers() -> tuple[DialInNumber, ...]:
    """Every number routed to the conference server (the one holding the rooms)."""
    bridge = await Bridge.first()
    if bridge is None:
        return ()
    numbers = await PhoneNumber.filter(
        extension_id=bridge.extension_id  # type: ignore[attr-defined]
    ).order_by("e164")
    return tuple(DialInNumber(number.e164, number.language.value) for number in numbers)


def dial_in_with(
    numbers: tuple[DialInNumber, ...], room: Room | None, conference_id: str
) -> DialIn:
    """How to reach the room: the numbers, its conference ID and its PIN. A meeting whose
    room was deleted keeps its conference ID and gets no PIN."""
    return DialIn(
        numbers=numbers,
        conference_id=room.conference_id if room is not None else conference_id,
        pin=room.pin if room is not None else None,
    )


async def dial_in(room: Room | None, conference_id: str) -> DialIn:
    return dial_in_with(await dial_in_numbers(), room, conference_id)


def invitee_view(name: str, email: str, language: str) -> InviteeView:
    return InviteeView(name=name, email=email, language=language)
