"""A mailing's snapshot survives the `mailing` table: JSON and back gives the same values,
zones, folds and enums included, and the same messages; anything else is refused."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from voiceapp.scheduling import mailing_codec
from voiceapp.scheduling.mailing_codec import UnreadableSnapshot
from voiceapp.scheduling.mailings import Confirmation, Snapshot, messages
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

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 14, 5, 7, 123456, tzinfo=UTC)
DIAL_IN = DialIn(
    (DialInNumber("+33180000001", "fr"), DialInNumber("+34910000001", "es")), "1234", "4321"
)
ANA = InviteeView("Ana Núñez", "ana@example.com", "es")
JURGEN = InviteeView("Jürgen Müller 🎺", "jurgen@example.com", "en")
ELODIE = InviteeView('Élodie "Lou" Brébant, PhD', "elodie@example.com", "fr")


def meeting(**changes: object) -> MeetingView:
    values: dict[str, object] = {
        "uid": "4f1c@voiceapp",
        "sequence": 0,
        "subject": "Révision — año fiscal über alles",
        "organizer": Organizer("Zoé Martin", "zoe@example.com"),
        "details": 'Préparez les chiffres.\nMañana: Überblick.\n\n  indented; \\ and "quotes"',
        "start": datetime(2026, 12, 7, 10, 0, tzinfo=PARIS),
        "duration": timedelta(minutes=45),
    }
    values.update(changes)
    return MeetingView(**values)  # type: ignore[arg-type]


BOOKED = Snapshot(
    "Pont de conférence <bridge@example.org>",
    NOW,
    meeting(),
    DIAL_IN,
    attendees=(ANA, JURGEN, ELODIE),
    invitations=(ANA, JURGEN, ELODIE),
    confirmation=Confirmation.SCHEDULED,
    organizer_language="fr",
)

SNAPSHOTS = {
    "booked": BOOKED,
    "weekly series until a day, no PIN, no numbers": replace(
        BOOKED,
        meeting=meeting(
            repeat=RepeatRule(Frequency.WEEKLY, (Weekday.MO, Weekday.TH), until=date(2027, 4, 1))
        ),
        dial_in=DialIn((), "5555", None),
    ),
    "monthly series by count, the second 01:30 of an autumn night": replace(
        BOOKED,
        meeting=meeting(
            start=datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK),
            repeat=RepeatRule(Frequency.MONTHLY, month_days=(1,), count=6),
            duration=timedelta(hours=12),
        ),
    ),
    "updated: moved, one added, one withdrawn": Snapshot(
        "bridge@example.org",
        NOW,
        meeting(sequence=2, start=datetime(2026, 12, 7, 11, 0, tzinfo=PARIS)),
        DialIn(DIAL_IN.numbers, "1234", None),
        attendees=(ANA, JURGEN),
        updates=(ANA,),
        invitations=(JURGEN,),
        withdrawals=(ELODIE,),
        confirmation=Confirmation.UPDATED,
        organizer_language="es",
        before=meeting(sequence=1, repeat=RepeatRule(Frequency.DAILY, count=3)),
        before_dial_in=DIAL_IN,
    ),
    "cancelled, no confirmation": Snapshot(
        "bridge@example.org",
        NOW,
        meeting(sequence=3),
        DIAL_IN,
        attendees=(ANA,),
        cancellations=(ANA,),
    ),
}


@pytest.mark.parametrize("snapshot", SNAPSHOTS.values(), ids=SNAPSHOTS.keys())
def test_a_snapshot_comes_back_as_it_was(snapshot: Snapshot) -> None:
    back = mailing_codec.loads(mailing_codec.dumps(snapshot))
    assert back == snapshot
    # Equality of two datetimes in one zone ignores the fold and compares wall clocks:
    # check what the messages are made from, field by field.
    for old, new in ((snapshot.meeting, back.meeting), (snapshot.before, back.before)):
        if old is None or new is None:
            assert old is new
            continue
        assert new.start.tzinfo is old.start.tzinfo  # the same ZoneInfo, by its key
        assert (new.start.fold, new.start.utcoffset()) == (old.start.fold, old.start.utcoffset())
    assert back.now.utcoffset() == timedelta(0)
    assert back.changes == snapshot.changes


def test_the_messages_are_the_same_after_the_trip() -> None:
    """Everything but what each message gets anew: its Message-ID and MIME boundaries."""
    snapshot = SNAPSHOTS["updated: moved, one added, one withdrawn"]
    before = messages(snapshot)
    after = messages(mailing_codec.loads(mailing_codec.dumps(snapshot)))

    def without_id(text: str) -> str:
        text = re.sub(r"={15}\d+==", "BOUNDARY", text)
        return re.sub(r"Message-ID: <[^>]+>", "Message-ID: <>", text)

    assert [m.to for m in after] == [m.to for m in before]
    assert [without_id(m.prepared.text) for m in after] == [
        without_id(m.prepared.text) for m in before
    ]


def test_the_json_is_plain_and_versioned() -> None:
    text = mailing_codec.dumps(BOOKED)
    assert '"version":1' in text
    assert "Núñez" in text  # accents as they are, readable in the table
    assert '"zone":"Europe/Paris"' in text and '"local":"2026-12-07T10:00:00"' in text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"version": 2}',
        mailing_codec.dumps(BOOKED).replace("Europe/Paris", "Europe/Atlantis"),
        mailing_codec.dumps(BOOKED).replace('"SCHEDULED"', '"POSTPONED"'),
        mailing_codec.dumps(BOOKED).replace('"sequence":0', '"sequence":-1'),
        mailing_codec.dumps(BOOKED).replace('"attendees":[[', '"attendees":[["x"],['),
    ],
)
def test_anything_else_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(UnreadableSnapshot):
        mailing_codec.loads(text)
