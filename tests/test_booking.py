"""Booking rules and the create/update/cancel flows, on SQLite and PostgreSQL: every rule
refuses with a sentence naming its field, a room is never booked twice even by two
requests at the same moment, a series keeps its wall-clock time across the clock change,
and each change queues exactly the messages it should, in its own transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from voiceapp.core.db import database
from voiceapp.core.errors import Conflict, NotFound, VoiceappError
from voiceapp.core.models import (
    AdminUser,
    Invitee,
    Meeting,
    MeetingStatus,
    Occurrence,
    OutboxMessage,
    Room,
)
from voiceapp.core.settings import Settings
from voiceapp.scheduling import meeting_lists, meetings
from voiceapp.scheduling.booking import AmbiguousStart
from voiceapp.scheduling.meeting_forms import MeetingChange, RepeatForm

from .scheduling_kit import (
    NOW,
    book,
    cancel,
    change,
    form,
    last_outbox_id,
    organizer,
    outbox,
    provision_booking,
    resend,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
async def marie(settings: Settings) -> AsyncIterator[AdminUser]:
    async with database(settings.database_url):
        yield await provision_booking(settings)


async def refused(call: object, field: str) -> VoiceappError:
    """The error `call` (an awaitable) raised, checked to name `field`."""
    with pytest.raises(VoiceappError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.field == field, caught.value.message
    return caught.value


async def nothing_written() -> None:
    assert await Meeting.all().count() == 0
    assert await Occurrence.all().count() == 0
    assert await Invitee.all().count() == 0
    assert await OutboxMessage.all().count() == 0


# ---- the rules, one by one ---------------------------------------------------------------


async def test_a_room_booked_for_overlapping_times_names_the_other_meeting(
    marie: AdminUser,
) -> None:
    first = await book(marie, form(subject="Budget 2027"), now=NOW)
    before = await last_outbox_id()
    error = await refused(book(marie, form(start="2027-03-15 10:59"), now=NOW), "start")
    assert isinstance(error, Conflict)
    assert error.message == (
        "room Ventes is already booked then: 'Budget 2027', organized by Marie Curie, "
        "2027-03-15 10:00 to 11:00 (Europe/Paris); choose another time or room"
    )
    # Nothing of the refused meeting was written, no mail queued.
    assert await Meeting.all().count() == 1
    assert await last_outbox_id() == before
    # Back to back is fine, and so is another room at the same time.
    await book(marie, form(start="2027-03-15 11:00"), now=NOW)
    await book(marie, form(start="2027-03-15 09:00"), now=NOW)
    await book(marie, form(room="5555"), now=NOW)
    # A cancelled meeting frees its room.
    await cancel(first.pk, now=NOW)
    await book(marie, form(start="2027-03-15 10:30", duration=30), now=NOW)


async def test_a_series_clashing_on_one_of_its_sittings_is_refused(marie: AdminUser) -> None:
    await book(marie, form(start="2027-04-05 10:30", subject="Audit"), now=NOW)
    weekly = RepeatForm("weekly", count=10)
    error = await refused(book(marie, form(repeat=weekly), now=NOW), "start")
    assert "'Audit'" in error.message and "2027-04-05 10:30 to 11:30" in error.message


async def test_more_invitees_and_the_organizer_than_the_room_holds(
    marie: AdminUser,
) -> None:
    await Room.filter(conference_id="1234").update(capacity=3)
    people = ["a@example.com", "b@example.com", "c@example.com"]
    error = await refused(book(marie, form(people=people), now=NOW), "invitees")
    assert error.message == (
        "room Ventes holds 3 callers: 3 invitees and the organizer do not fit; "
        "choose a larger room or invite fewer people"
    )
    await nothing_written()
    # A group counts by its members; the organizer's own address is not an invitee.
    await book(marie, form(people=["marie@example.com"], groups=["Partners"]), now=NOW)


async def test_a_start_in_the_past(marie: AdminUser) -> None:
    error = await refused(book(marie, form(start="2027-01-04 09:59"), now=NOW), "start")
    assert error.message == "the start is in the past: choose a later date or time"
    # The current minute is not past yet.
    await book(marie, form(start="2027-01-04 10:00"), now=NOW)


@pytest.mark.parametrize("minutes", [4, 721, "90 min", "-5"])
async def test_a_duration_outside_5_minutes_to_12_hours(marie: AdminUser, minutes: object) -> None:
    error = await refused(book(marie, form(duration=minutes), now=NOW), "duration")
    assert "minutes" in error.message
    await nothing_written()


async def test_the_shortest_and_longest_durations_are_fine(marie: AdminUser) -> None:
    await book(marie, form(duration=5), now=NOW)
    await book(marie, form(duration=720, start="2027-03-16 08:00"), now=NOW)


async def test_an_unknown_time_zone(marie: AdminUser) -> None:
    error = await refused(book(marie, form(time_zone="Europe/Lutece"), now=NOW), "time_zone")
    assert "'Europe/Lutece' is not a time zone name" in error.message


async def test_a_start_the_clocks_skip_does_not_exist(marie: AdminUser) -> None:
    error = await refused(book(marie, form(start="2027-03-28 02:30"), now=NOW), "start")
    assert error.message == (
        "2027-03-28 02:30 does not exist in Europe/Paris: the clocks skip that hour when "
        "they go forward; choose another time"
    )


async def test_a_start_the_clocks_show_twice_must_be_chosen(marie: AdminUser) -> None:
    before_autumn = datetime(2026, 10, 1, tzinfo=UTC)
    error = await refused(
        book(marie, form(start="2026-10-25 02:30"), now=before_autumn),
        "start",
    )
    assert isinstance(error, AmbiguousStart)
    assert error.offsets == ("UTC+02:00", "UTC+01:00")
    assert "happens twice in Europe/Paris" in error.message
    assert "choose the first or the second" in error.message
    first = await book(marie, form(start="2026-10-25 02:30", fold="first"), now=before_autumn)
    second = await book(
        marie, form(start="2026-10-25 02:30", fold="second", room="5555"), now=before_autumn
    )
    assert first.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second.starts_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first.local_start == second.local_start == "2026-10-25 02:30"
    await refused(
        book(marie, form(start="2026-10-25 02:30", fold="third"), now=NOW),
        "fold",
    )


async def test_a_repeated_time_past_both_times_is_refused_as_past_at_once(
    marie: AdminUser,
) -> None:
    """Not "which of the two?" first, then "in the past" once answered."""
    error = await refused(book(marie, form(start="2026-10-25 02:30"), now=NOW), "start")
    assert not isinstance(error, AmbiguousStart)
    assert error.message == "the start is in the past: choose a later date or time"
    # Between the two (the first is past, the second is not): still asked which.
    between = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    error = await refused(book(marie, form(start="2026-10-25 02:30"), now=between), "start")
    assert isinstance(error, AmbiguousStart)


async def test_a_series_needs_a_count_or_an_end_and_has_a_cap(marie: AdminUser) -> None:
    await refused(
        book(marie, form(repeat=RepeatForm("weekly")), now=NOW),
        "repeat_count",
    )
    error = await refused(
        book(marie, form(repeat=RepeatForm("daily", until="2031-01-01")), now=NOW),
        "repeat_until",
    )
    assert "at most 999 meetings" in error.message
    error = await refused(
        book(marie, form(repeat=RepeatForm("daily", count=1000)), now=NOW),
        "repeat_count",
    )
    assert "1 to 999 meetings" in error.message
    await refused(
        book(marie, form(repeat=RepeatForm("yearly", count=3)), now=NOW),
        "repeat",
    )
    await nothing_written()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"room": "9999"}, "conference_id"),
        ({"room": ""}, "room"),
        ({"start": "15/03/2027 10:00"}, "start"),
        ({"reminder": "soon"}, "reminder"),
        ({"reminder": 20_000}, "reminder"),
        ({"people": ["not an address"]}, "invitees"),
        ({"people": ["Ana <ana@example.com"]}, "invitees"),
        ({"groups": ["Nobody"]}, "groups"),
        ({"repeat": RepeatForm("weekly", weekdays=["XX"], count=2)}, "repeat_weekdays"),
        ({"repeat": RepeatForm("weekly", weekdays=["TU"], count=2)}, "repeat_weekdays"),
        ({"repeat": RepeatForm("monthly", count="two")}, "repeat_count"),
        ({"repeat": RepeatForm("monthly", until="2027-13-01")}, "repeat_until"),
    ],
)
async def test_each_bad_value_names_its_field(
    marie: AdminUser, changes: dict[str, object], field: str
) -> None:
    await refused(book(marie, form(**changes), now=NOW), field)
    await nothing_written()


async def test_an_organizer_without_an_address_cannot_invite(settings: Settings) -> None:
    async with database(settings.database_url):
        await provision_booking(settings)
        silent = await organizer("paul", None)
        await refused(
            book(silent, form(people=["ana@example.com"]), now=NOW),
            "organizer",
        )
        # Booking the room for themselves alone needs no address.
        await book(silent, form(), now=NOW)


# ---- series and daylight saving ----------------------------------------------------------


async def test_a_weekly_series_across_the_spring_clock_change_stays_at_ten(
    marie: AdminUser,
) -> None:
    """The last Sunday of March 2027 is the 28th: Mondays 22 and 29 March straddle it."""
    meeting = await book(
        marie, form(start="2027-03-15 10:00", repeat=RepeatForm("weekly", count=4)), now=NOW
    )
    rows = await Occurrence.filter(meeting_id=meeting.pk).order_by("starts_at")
    assert [row.starts_at for row in rows] == [
        datetime(2027, 3, 15, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 8, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 8, 0, tzinfo=UTC),
    ]
    assert {row.starts_at.astimezone(PARIS).strftime("%H:%M") for row in rows} == {"10:00"}
    assert all(row.ends_at - row.starts_at == timedelta(hours=1) for row in rows)
    assert meeting.ends_at == datetime(2027, 4, 5, 9, 0, tzinfo=UTC)
    assert (meeting.repeat_weekdays, meeting.repeat_count) == ("MO", 4)


async def test_weekly_on_chosen_days_and_monthly_series(marie: AdminUser) -> None:
    weekly = await book(
        marie,
        form(repeat=RepeatForm("weekly", weekdays=["MO,TH"], until="2027-03-25")),
        now=NOW,
    )
    days = await Occurrence.filter(meeting_id=weekly.pk).order_by("starts_at")
    assert [o.starts_at.astimezone(PARIS).strftime("%a %d") for o in days] == [
        "Mon 15",
        "Thu 18",
        "Mon 22",
        "Thu 25",
    ]
    monthly = await book(marie, form(room="5555", repeat=RepeatForm("monthly", count=3)), now=NOW)
    months = await Occurrence.filter(meeting_id=monthly.pk).order_by("starts_at")
    assert [o.starts_at.astimezone(PARIS).strftime("%m-%d %H:%M") for o in months] == [
        "03-15 10:00",
        "04-15 10:00",
        "05-15 10:00",
    ]


# ---- two bookings of one slot at the same moment -----------------------------------------


async def test_two_simultaneous_bookings_of_one_slot_one_wins(marie: AdminUser) -> None:
    """On PostgreSQL each booking runs on its own pooled connection, in its own
    transaction; without the room's row lock both passed the overlap check (tried: the
    first slot was booked twice). On SQLite the ORM's one connection takes them in turn;
    the next test is the one where another connection is booking at the same time."""
    for day in range(10):
        start = f"2027-04-{day + 5:02d} 14:00"
        results = await asyncio.gather(
            book(marie, form(start=start, subject="A"), now=NOW),
            book(marie, form(start=start.replace("14:00", "14:30"), subject="B"), now=NOW),
            return_exceptions=True,
        )
        won = [r for r in results if isinstance(r, Meeting)]
        lost = [r for r in results if not isinstance(r, Meeting)]
        assert len(won) == 1, results
        assert len(lost) == 1 and isinstance(lost[0], Conflict), lost
        assert "is already booked then" in lost[0].message
    assert await Meeting.all().count() == 10
    # One confirmation per meeting booked: the loser queued nothing.
    assert await OutboxMessage.all().count() == 10


async def test_a_booking_waits_for_one_in_progress_elsewhere_and_sees_it(
    marie: AdminUser, settings: Settings
) -> None:
    """Another worker (another process, on SQLite) is in the middle of moving a meeting
    onto the slot, its transaction open, when this one books it: this booking waits for
    that transaction and then refuses, naming the meeting. Without the lock it read the
    room as free: on PostgreSQL both bookings committed; on SQLite its write then failed
    with "database is locked"."""
    other = await book(marie, form(start="2027-03-15 16:00"), now=NOW)
    moved = ("2027-03-15 09:00:00+00:00", "2027-03-15 10:00:00+00:00")
    locked, release = asyncio.Event(), asyncio.Event()

    async def other_worker() -> None:
        if settings.database_url.startswith("sqlite"):
            db = sqlite3.connect(settings.database_url.removeprefix("sqlite://"))
            db.isolation_level = None
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "UPDATE occurrence SET starts_at = ?, ends_at = ? WHERE meeting_id = ?",
                (*moved, other.pk),
            )
            locked.set()
            await release.wait()
            db.execute("COMMIT")
            db.close()
            return
        connection = await asyncpg.connect(
            settings.database_url.replace("postgres://", "postgresql://")
        )
        async with connection.transaction():
            room = await Room.get(conference_id="1234")
            await connection.execute("SELECT id FROM room WHERE id = $1 FOR UPDATE", room.pk)
            await connection.execute(
                "UPDATE occurrence SET starts_at = $1, ends_at = $2 WHERE meeting_id = $3",
                datetime(2027, 3, 15, 9, 0, tzinfo=UTC),
                datetime(2027, 3, 15, 10, 0, tzinfo=UTC),
                other.pk,
            )
            locked.set()
            await release.wait()
        await connection.close()

    worker = asyncio.create_task(other_worker())
    await locked.wait()
    booking = asyncio.create_task(book(marie, form(), now=NOW))
    await asyncio.sleep(0.3)
    assert not booking.done()  # waiting for the other transaction
    release.set()
    await worker
    with pytest.raises(Conflict) as caught:
        await booking
    assert "2027-03-15 10:00 to 11:00" in caught.value.message
    assert await Meeting.all().count() == 1


# ---- what each change sends ---------------------------------------------------------------


async def test_booking_queues_one_invitation_per_invitee_and_a_confirmation(
    marie: AdminUser,
) -> None:
    meeting = await book(
        marie,
        form(people=["Bob Martin <Bob@Example.com>", "ana@example.com"], groups=["Partners"]),
        now=NOW,
    )
    invitees = await Invitee.filter(meeting_id=meeting.pk).order_by("id")
    # Ana is a contact (Spanish), once though named twice; Bob is not (the organizer's).
    assert [(i.email, i.name, i.language) for i in invitees] == [
        ("bob@example.com", "Bob Martin", "fr"),
        ("ana@example.com", "Ana Ruiz", "es"),
        ("luis@example.com", "Luis Gil", "es"),
    ]
    sent = await outbox()
    assert [s.recipient for s in sent] == [
        "bob@example.com",
        "ana@example.com",
        "luis@example.com",
        "marie@example.com",
    ]
    requests, confirmation = sent[:3], sent[3]
    assert {s.method for s in requests} == {"REQUEST"}
    assert {s.uid for s in requests} == {meeting.uid}
    assert {s.sequence for s in requests} == {0}
    assert requests[0].attendees == ["ana@example.com", "bob@example.com", "luis@example.com"]
    assert str(requests[0].event["ORGANIZER"]).lower() == "mailto:marie@example.com"
    # The organizer gets a plain confirmation: never the REQUEST (Outlook bins it).
    assert confirmation.method is None
    assert [s.language for s in sent] == ["fr", "es", "es", "fr"]


async def test_moving_a_meeting_and_changing_its_list(marie: AdminUser) -> None:
    meeting = await book(marie, form(people=["bob@example.com", "ana@example.com"]), now=NOW)
    mark = await last_outbox_id()
    report = await change(
        meeting.pk,
        MeetingChange(
            start="2027-03-15 11:00", uninvite=["BOB@example.com"], invite=["Cleo <cleo@x.org>"]
        ),
        now=NOW,
    )
    assert report.changed == ("start",)
    assert (report.invited, report.withdrawn) == (("cleo@x.org",), ("bob@example.com",))
    assert report.meeting.sequence == 1
    assert report.meeting.starts_at == datetime(2027, 3, 15, 10, 0, tzinfo=UTC)
    sent = {s.recipient: s for s in await outbox(after=mark)}
    assert set(sent) == {"ana@example.com", "cleo@x.org", "bob@example.com", "marie@example.com"}
    for who in ("ana@example.com", "cleo@x.org"):
        assert (sent[who].method, sent[who].uid, sent[who].sequence) == ("REQUEST", meeting.uid, 1)
        assert sent[who].attendees == ["ana@example.com", "cleo@x.org"]
        assert sent[who].event.decoded("DTSTART") == datetime(2027, 3, 15, 10, 0, tzinfo=UTC)
    # Ana's update says what changed, in Spanish; Cleo's is a first invitation.
    text = sent["ana@example.com"].message.get_body(("plain",)).get_content()
    assert "10:00 → 11:00" in text, text
    assert sent["ana@example.com"].language == "es"
    # The person taken off: a CANCEL naming them only, the meeting itself not cancelled.
    withdrawn = sent["bob@example.com"]
    assert (withdrawn.method, withdrawn.uid, withdrawn.sequence) == ("CANCEL", meeting.uid, 1)
    assert withdrawn.attendees == ["bob@example.com"]
    assert "STATUS" not in withdrawn.event
    assert sent["marie@example.com"].method is None
    bob = await Invitee.get(meeting_id=meeting.pk, email="bob@example.com")
    assert bob.removed_at == NOW
    # The room is held at the new time only.
    rows = await Occurrence.filter(meeting_id=meeting.pk)
    assert [(o.starts_at.hour, o.ends_at.hour) for o in rows] == [(10, 11)]


async def test_a_change_of_subject_keeps_the_sequence(marie: AdminUser) -> None:
    meeting = await book(marie, form(people=["ana@example.com"]), now=NOW)
    mark = await last_outbox_id()
    report = await change(meeting.pk, MeetingChange(subject="Revue, salle B"), now=NOW)
    assert (report.changed, report.meeting.sequence) == (("subject",), 0)
    (update, confirmation) = await outbox(after=mark)
    assert (update.method, update.sequence, str(update.event["SUMMARY"])) == (
        "REQUEST",
        0,
        "Revue, salle B",
    )
    assert confirmation.recipient == "marie@example.com"


async def test_adding_someone_invites_them_only_and_nothing_changed_sends_nothing(
    marie: AdminUser,
) -> None:
    meeting = await book(marie, form(people=["ana@example.com"]), now=NOW)
    mark = await last_outbox_id()
    report = await change(
        meeting.pk, MeetingChange(subject="Revue d'équipe", invite=["ana@example.com"]), now=NOW
    )
    assert report.nothing
    assert await outbox(after=mark) == []
    await change(meeting.pk, MeetingChange(invite_groups=["Partners"]), now=NOW)
    sent = await outbox(after=mark)
    # Luis alone gets the invitation (with everyone on it); Ana, already invited, nothing.
    assert [(s.recipient, s.method) for s in sent] == [
        ("luis@example.com", "REQUEST"),
        ("marie@example.com", None),
    ]
    assert sent[0].attendees == ["ana@example.com", "luis@example.com"]
    assert sent[0].sequence == 0


async def test_someone_taken_off_and_invited_again_keeps_one_row(marie: AdminUser) -> None:
    meeting = await book(marie, form(people=["ana@example.com"]), now=NOW)
    await change(meeting.pk, MeetingChange(uninvite=["ana@example.com"]), now=NOW)
    await change(meeting.pk, MeetingChange(invite=["ana@example.com"]), now=NOW)
    rows = await Invitee.filter(meeting_id=meeting.pk)
    assert [(r.email, r.removed_at) for r in rows] == [("ana@example.com", None)]
    await refused(
        change(meeting.pk, MeetingChange(uninvite=["zed@example.com"]), now=NOW),
        "uninvite",
    )


async def test_moving_onto_another_meeting_is_refused_and_changes_nothing(
    marie: AdminUser,
) -> None:
    await book(marie, form(start="2027-03-15 14:00", subject="Other"), now=NOW)
    meeting = await book(marie, form(people=["ana@example.com"]), now=NOW)
    mark = await last_outbox_id()
    await refused(
        change(meeting.pk, MeetingChange(start="2027-03-15 13:30", subject="New"), now=NOW),
        "start",
    )
    unchanged = await Meeting.get(id=meeting.pk)
    assert (unchanged.subject, unchanged.sequence, unchanged.local_start) == (
        "Revue d'équipe",
        0,
        "2027-03-15 10:00",
    )
    assert await outbox(after=mark) == []
    # Lengthening it over its own old time is no clash with itself.
    report = await change(meeting.pk, MeetingChange(duration=120), now=NOW)
    assert (report.changed, report.meeting.sequence) == (("duration",), 1)


async def test_cancelling_tells_everyone_with_a_cancel(marie: AdminUser) -> None:
    meeting = await book(
        marie, form(groups=["Partners"], repeat=RepeatForm("weekly", count=3)), now=NOW
    )
    mark = await last_outbox_id()
    cancelled = await cancel(meeting.pk, now=NOW)
    assert (cancelled.status, cancelled.sequence) == (MeetingStatus.CANCELLED, 1)
    sent = await outbox(after=mark)
    assert [s.recipient for s in sent] == [
        "ana@example.com",
        "luis@example.com",
        "marie@example.com",
    ]
    for told in sent[:2]:
        assert (told.method, told.uid, told.sequence) == ("CANCEL", meeting.uid, 1)
        assert str(told.event["STATUS"]) == "CANCELLED"
        assert told.attendees == ["ana@example.com", "luis@example.com"]
    error = await refused(cancel(meeting.pk, now=NOW), "meeting")
    assert isinstance(error, Conflict)
    await refused(change(meeting.pk, MeetingChange(subject="x"), now=NOW), "meeting")


async def test_resending_to_one_invitee(marie: AdminUser) -> None:
    meeting = await book(marie, form(groups=["Partners"]), now=NOW)
    await change(meeting.pk, MeetingChange(duration=30), now=NOW)
    mark = await last_outbox_id()
    await resend(meeting.pk, "Luis@example.com", now=NOW)
    (again,) = await outbox(after=mark)
    assert (again.recipient, again.method, again.uid, again.sequence) == (
        "luis@example.com",
        "REQUEST",
        meeting.uid,
        1,
    )
    await refused(resend(meeting.pk, "zed@example.com", now=NOW), "email")


async def test_a_meeting_over_can_no_longer_change(marie: AdminUser) -> None:
    meeting = await book(marie, form(), now=NOW)
    later = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)
    await refused(cancel(meeting.pk, now=later), "meeting")


async def test_an_organizer_reaches_only_their_own_meetings(marie: AdminUser) -> None:
    meeting = await book(marie, form(), now=NOW)
    paul = await organizer("paul", "paul@example.com")
    boss = await organizer("boss", "boss@example.com", role="admin")
    for attempt in (
        meetings.get_meeting(meeting.pk, actor=paul),
        cancel(meeting.pk, actor=paul, now=NOW),
        change(meeting.pk, MeetingChange(subject="x"), actor=paul, now=NOW),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await meetings.get_meeting(meeting.pk, actor=boss)).pk == meeting.pk
    assert [i.meeting.pk for i in await meeting_lists.upcoming(paul, now=NOW)] == []
    assert [i.meeting.pk for i in await meeting_lists.upcoming(boss, now=NOW)] == [meeting.pk]


async def test_upcoming_and_past_lists(marie: AdminUser) -> None:
    series = await book(
        marie,
        form(
            start="2027-03-01 10:00",
            people=["ana@example.com"],
            repeat=RepeatForm("daily", count=20),
        ),
        now=NOW,
    )
    single = await book(marie, form(room="5555"), now=NOW)
    gone = await book(marie, form(room="5555", start="2027-03-16 10:00"), now=NOW)
    await cancel(gone.pk, now=NOW)
    mid_march = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    upcoming = await meeting_lists.upcoming(marie, now=mid_march)
    assert [(i.meeting.pk, i.sitting_starts_at) for i in upcoming] == [
        (series.pk, datetime(2027, 3, 11, 9, 0, tzinfo=UTC)),
        (single.pk, datetime(2027, 3, 15, 9, 0, tzinfo=UTC)),
    ]
    assert [i.email for i in upcoming[0].invitees] == ["ana@example.com"]
    april = datetime(2027, 4, 1, tzinfo=UTC)
    assert [i.meeting.pk for i in await meeting_lists.past(marie, now=april)] == [
        series.pk,
        gone.pk,
        single.pk,
    ]
