"""A mailing's snapshot as JSON, for the `mailing` table, and back, value for value.

Written by hand rather than with a generic serializer: the JSON is read back by later
versions of voiceapp (a mailing may wait through an upgrade), so each field is spelled
here once and the format carries a version. Datetimes keep their zone: a meeting's start
is its wall-clock time, its IANA zone's name and the fold (which of the two 01:30 of an
autumn night), so a series keeps its local time; other moments are UTC instants. Enums
are stored by value, durations in seconds, people as [name, email, language].
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voiceapp.scheduling.invitation_mail import Confirmation
from voiceapp.scheduling.mailings import Snapshot
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

VERSION = 1


class UnreadableSnapshot(ValueError):
    """JSON that is not a snapshot this version of voiceapp can read."""


def dumps(snapshot: Snapshot) -> str:
    document = {
        "version": VERSION,
        "sender": snapshot.sender,
        "now": _instant(snapshot.now),
        "meeting": _meeting(snapshot.meeting),
        "dial_in": _dial_in(snapshot.dial_in),
        "attendees": _people(snapshot.attendees),
        "invitations": _people(snapshot.invitations),
        "updates": _people(snapshot.updates),
        "withdrawals": _people(snapshot.withdrawals),
        "cancellations": _people(snapshot.cancellations),
        "confirmation": snapshot.confirmation.name if snapshot.confirmation else None,
        "organizer_language": snapshot.organizer_language,
        "before": _meeting(snapshot.before) if snapshot.before else None,
        "before_dial_in": _dial_in(snapshot.before_dial_in) if snapshot.before_dial_in else None,
    }
    # Accents as they are: smaller, and readable in the table.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Snapshot:
    """The snapshot `dumps` wrote; UnreadableSnapshot for anything else."""
    try:
        document = json.loads(text)
        if document.get("version") != VERSION:
            raise UnreadableSnapshot(f"snapshot version {document.get('version')!r}")
        confirmation = document["confirmation"]
        return Snapshot(
            sender=document["sender"],
            now=_read_instant(document["now"]),
            meeting=_read_meeting(document["meeting"]),
            dial_in=_read_dial_in(document["dial_in"]),
            attendees=_read_people(document["attendees"]),
            invitations=_read_people(document["invitations"]),
            updates=_read_people(document["updates"]),
            withdrawals=_read_people(document["withdrawals"]),
            cancellations=_read_people(document["cancellations"]),
            confirmation=Confirmation[confirmation] if confirmation else None,
            organizer_language=document["organizer_language"],
            before=_read_meeting(document["before"]) if document["before"] else None,
            before_dial_in=(
                _read_dial_in(document["before_dial_in"]) if document["before_dial_in"] else None
            ),
        )
    except UnreadableSnapshot:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        ZoneInfoNotFoundError,
    ) as error:
        raise UnreadableSnapshot(f"{type(error).__name__}: {error}") from error


# ---- writing -----------------------------------------------------------------------------


def _instant(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a snapshot's moments are aware datetimes")
    return moment.astimezone(UTC).isoformat()


def _local(moment: datetime) -> dict[str, Any]:
    if not isinstance(moment.tzinfo, ZoneInfo):
        raise ValueError("a meeting's start needs its IANA zone")
    return {
        "local": moment.replace(tzinfo=None).isoformat(),
        "zone": moment.tzinfo.key,
        "fold": moment.fold,
    }


def _meeting(meeting: MeetingView) -> dict[str, Any]:
    return {
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "subject": meeting.subject,
        "organizer": [meeting.organizer.name, meeting.organizer.email],
        "details": meeting.details,
        "start": _local(meeting.start),
        "duration_seconds": meeting.duration.total_seconds(),
        "repeat": _repeat(meeting.repeat) if meeting.repeat else None,
    }


def _repeat(rule: RepeatRule) -> dict[str, Any]:
    return {
        "frequency": rule.frequency.value,
        "weekdays": [day.value for day in rule.weekdays],
        "month_days": list(rule.month_days),
        "count": rule.count,
        "until": rule.until.isoformat() if rule.until else None,
    }


def _dial_in(dial_in: DialIn) -> dict[str, Any]:
    return {
        "numbers": [[number.e164, number.language] for number in dial_in.numbers],
        "conference_id": dial_in.conference_id,
        "pin": dial_in.pin,
    }


def _people(people: tuple[InviteeView, ...]) -> list[list[str]]:
    return [[person.name, person.email, person.language] for person in people]


# ---- reading -----------------------------------------------------------------------------


def _read_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise UnreadableSnapshot(f"a moment without its offset: {text!r}")
    return moment.astimezone(UTC)


def _read_local(value: dict[str, Any]) -> datetime:
    local = datetime.fromisoformat(value["local"])
    return local.replace(tzinfo=ZoneInfo(value["zone"]), fold=int(value["fold"]))


def _read_meeting(value: dict[str, Any]) -> MeetingView:
    name, email = value["organizer"]
    repeat = value["repeat"]
    return MeetingView(
        uid=value["uid"],
        sequence=int(value["sequence"]),
        subject=value["subject"],
        organizer=Organizer(name, email),
        details=value["details"],
        start=_read_local(value["start"]),
        duration=timedelta(seconds=value["duration_seconds"]),
        repeat=_read_repeat(repeat) if repeat else None,
    )


def _read_repeat(value: dict[str, Any]) -> RepeatRule:
    until = value["until"]
    return RepeatRule(
        frequency=Frequency(value["frequency"]),
        weekdays=tuple(Weekday(day) for day in value["weekdays"]),
        month_days=tuple(int(day) for day in value["month_days"]),
        count=value["count"],
        until=date.fromisoformat(until) if until else None,
    )


def _read_dial_in(value: dict[str, Any]) -> DialIn:
    return DialIn(
        numbers=tuple(DialInNumber(e164, language) for e164, language in value["numbers"]),
        conference_id=value["conference_id"],
        pin=value["pin"],
    )


def _read_people(value: list[list[str]]) -> tuple[InviteeView, ...]:
    return tuple(InviteeView(name, email, language) for name, email, language in value)
