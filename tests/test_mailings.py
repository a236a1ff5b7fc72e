"""A change's mail is one mailing written with it, and the sender makes its messages after
the commit: a booking for 200 writes one row and no message; each message is then written
once, with four senders racing for the same mailings, after a sender that failed half-way
or died holding one, and past a mailing that cannot be read; and the server's own sender
delivers them over SMTP, to each invitee once, in their language, with or without SMTP."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from voiceapp.conferencing import rooms
from voiceapp.contacts import people
from voiceapp.core.db import database
from voiceapp.core.errors import Conflict
from voiceapp.core.models import (
    AdminUser,
    Mailing,
    MailingKind,
    Meeting,
    OutboxMessage,
    OutboxState,
)
from voiceapp.core.settings import Settings
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.mail import delivery_loop, outbox
from voiceapp.mail.wire import Prepared
from voiceapp.scheduling import (
    mailing_claims,
    mailing_codec,
    mailing_expansion,
    meeting_updates,
    meetings,
)
from voiceapp.scheduling.meeting_forms import MeetingChange

from .conftest import make_settings
from .mail_server import MailServer, with_smtp
from .scheduling_kit import (
    NOW,
    SENDER,
    calendar_part,
    form,
    made_mail,
    provision_booking,
)
from .scheduling_kit import (
    outbox as read_outbox,
)

BIG_ROOM = "7000"


async def provision(settings: Settings) -> AdminUser:
    """scheduling_kit's bridge and organizer Marie (French), and a room for 250."""
    organizer = await provision_booking(settings)
    await rooms.add_room(settings, name="Plénière", conference_id=BIG_ROOM, capacity=250)
    return organizer


@pytest.fixture
async def marie(settings: Settings) -> AsyncIterator[AdminUser]:
    async with database(settings.database_url):
        yield await provision(settings)


def crowd(count: int, tag: str = "") -> list[str]:
    return [f"Invité n° {n} <guest{tag}{n:03d}@example.com>" for n in range(count)]


async def book(organizer: AdminUser, **changes: Any) -> Meeting:
    """Book as the page does: nothing made after it (scheduling_kit.book makes the mail)."""
    values: dict[str, Any] = {"room": BIG_ROOM}
    values.update(changes)
    return await meetings.create_meeting(organizer, form(**values), sender=SENDER, now=NOW)


async def keys() -> list[str]:
    return [str(key) for key in await OutboxMessage.all().values_list("dedupe_key", flat=True)]


async def test_a_booking_for_200_writes_one_mailing_and_no_message(marie: AdminUser) -> None:
    invited = crowd(200)
    meeting = await book(marie, people=invited)
    # The request wrote one row; not one message.
    (mailing,) = await Mailing.all()
    assert (mailing.kind, mailing.meeting_id) == (MailingKind.BOOKED, meeting.pk)  # type: ignore[attr-defined]
    assert mailing.expanded_at is None
    assert await OutboxMessage.all().count() == 0
    snapshot = mailing_codec.loads(mailing.payload)
    assert len(snapshot.invitations) == len(snapshot.attendees) == 200
    assert (snapshot.meeting.uid, snapshot.now) == (meeting.uid, NOW)

    # The sender makes the 200 invitations and the organizer's confirmation, once.
    assert await made_mail() == 201
    assert await made_mail() == 0
    emails = [f"guest{n:03d}@example.com" for n in range(200)]
    expected = [f"mailing:{mailing.pk}:{email}" for email in emails]
    assert await keys() == [*expected, f"mailing:{mailing.pk}:organizer"]
    assert (await Mailing.get()).expanded_at is not None
    sent = await read_outbox()
    assert [s.recipient for s in sent] == [*emails, "marie@example.com"]
    assert len({s.message["Message-ID"] for s in sent}) == 201
    first, last = sent[0], sent[199]
    assert str(first.message["To"]) == "Invité n° 0 <guest000@example.com>"
    assert (first.method, first.uid, len(first.attendees)) == ("REQUEST", meeting.uid, 200)
    assert first.message["Date"] == last.message["Date"] == "Mon, 04 Jan 2027 09:00:00 +0000"
    assert sent[200].calendar is None  # the organizer's plain confirmation


async def test_each_change_that_tells_someone_is_one_mailing(marie: AdminUser) -> None:
    meeting = await book(marie, people=["ana@example.com", "cleo@example.org"])
    # Only the reminder: nobody is told anything, no mailing.
    await update(meeting.pk, MeetingChange(reminder=60))
    await update(meeting.pk, MeetingChange(duration=90, uninvite=["cleo@example.org"]))
    await meetings.resend_invitation(meeting.pk, "ana@example.com", sender=SENDER, now=NOW)
    await meetings.cancel_meeting(meeting.pk, sender=SENDER, now=NOW)
    kinds = await Mailing.all().order_by("id").values_list("kind", flat=True)
    assert kinds == [
        MailingKind.BOOKED,
        MailingKind.UPDATED,
        MailingKind.RESENT,
        MailingKind.CANCELLED,
    ]
    assert await OutboxMessage.all().count() == 0
    await made_mail()
    sent = [(s.recipient, s.method) for s in await read_outbox()]
    assert sent == [
        ("ana@example.com", "REQUEST"),  # booked
        ("cleo@example.org", "REQUEST"),
        ("marie@example.com", None),
        ("ana@example.com", "REQUEST"),  # updated: longer, Cleo taken off
        ("cleo@example.org", "CANCEL"),
        ("marie@example.com", None),
        ("ana@example.com", "REQUEST"),  # resent
        ("ana@example.com", "CANCEL"),  # cancelled
        ("marie@example.com", None),
    ]


async def update(meeting_id: int, change: MeetingChange) -> None:
    await meeting_updates.update_meeting(meeting_id, change, sender=SENDER, now=NOW)


async def test_the_from_is_the_sending_servers_not_the_booking_processes(
    settings: Settings, marie: AdminUser
) -> None:
    """`voiceapp schedule add` in a shell with another VOICEAPP_MAIL_FROM (A) than the
    server's (B): the server makes and sends the mail, from B; replies still go to Marie."""
    booking = make_settings(settings.database_url, VOICEAPP_MAIL_FROM="A <a@example.com>")
    server = make_settings(settings.database_url, VOICEAPP_MAIL_FROM="B <b@example.com>")
    await meetings.create_meeting(
        marie, form(room=BIG_ROOM, people=crowd(2)), sender=booking.mail_from, now=NOW
    )
    assert server.smtp is None  # the server's loop makes them all the same
    report = await delivery_loop.one_round(server)
    assert report is not None and report.made == 3
    sent = await read_outbox()
    assert {s.message["From"].addresses[0].addr_spec for s in sent} == {"b@example.com"}
    invited = [s for s in sent if s.recipient != "marie@example.com"]
    assert {str(s.message["Reply-To"]) for s in invited} == {"Marie Curie <marie@example.com>"}


async def test_a_booking_refused_leaves_no_mailing(marie: AdminUser) -> None:
    await book(marie, people=crowd(3))
    with pytest.raises(Conflict):  # the room is taken then
        await book(marie, people=crowd(3, tag="x"), subject="Other")
    assert await Mailing.all().count() == 1
    assert await made_mail() == 4


async def test_four_senders_racing_for_the_same_mailings_write_each_message_once(
    marie: AdminUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With claims that expire at once, every sender takes every mailing and builds it:
    only the write that commits first counts (keys, and the mark that rolls the others'
    transactions back). Each its own connection: the ORM's pool on PostgreSQL."""
    for n in range(3):
        await book(marie, people=crowd(40, tag=f"m{n}-"), start=f"2027-03-1{5 + n} 10:00")
    monkeypatch.setattr(mailing_claims, "CLAIM_TIMEOUT", timedelta(seconds=-60))
    built = Counter[str]()
    real = mailing_expansion.messages

    def counted(snapshot: Any, **options: Any) -> Any:
        built[snapshot.meeting.uid] += 1
        return real(snapshot, **options)

    monkeypatch.setattr(mailing_expansion, "messages", counted)
    written = await asyncio.gather(*(mailing_expansion.expand_due() for _ in range(4)))
    assert sum(written) == 3 * 41
    assert sum(built.values()) > 3  # some mailings were built by more than one sender
    found = await keys()
    assert len(found) == len(set(found)) == 3 * 41
    assert await Mailing.filter(expanded_at=None).count() == 0


async def test_a_sender_that_fails_half_way_leaves_nothing_and_it_is_made_again(
    marie: AdminUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await book(marie, people=crowd(200))
    real = outbox.queue_many

    async def half_then_crash(messages: Sequence[tuple[Prepared, str]], **options: Any) -> int:
        await real(messages[:100], **options)
        raise RuntimeError("the worker died half-way")

    monkeypatch.setattr(outbox, "queue_many", half_then_crash)
    with caplog.at_level(logging.ERROR):
        assert await made_mail() == 0
    assert "making its messages failed (attempt 1)" in caplog.text
    assert await OutboxMessage.all().count() == 0  # the half written is rolled back
    mailing = await Mailing.get()
    assert (mailing.attempts, mailing.claimed_at, mailing.expanded_at) == (1, None, None)
    assert mailing.last_error == "RuntimeError: the worker died half-way"
    monkeypatch.setattr(outbox, "queue_many", real)
    # Tried again after the backoff (30 s after a first failure), and then whole.
    assert await made_mail() == 0
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert await mailing_expansion.expand_due(later) == 201
    assert await mailing_expansion.expand_due(later) == 0
    found = await keys()
    assert len(found) == len(set(found)) == 201


async def test_a_mailing_held_by_a_sender_that_died_is_made_after_its_claim_expires(
    marie: AdminUser,
) -> None:
    await book(marie, people=crowd(5))
    now = datetime.now(UTC)
    assert await mailing_claims.claim_next(now) is not None  # then the worker is killed
    assert await mailing_expansion.expand_due(now) == 0  # held: nobody else builds it
    expired = now + mailing_claims.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert await mailing_expansion.expand_due(expired) == 6


async def test_a_mailing_that_cannot_be_read_holds_back_no_other(
    marie: AdminUser, caplog: pytest.LogCaptureFixture
) -> None:
    broken = await Mailing.create(
        kind=MailingKind.BOOKED, payload='{"version": 99}', next_attempt_at=datetime.now(UTC)
    )
    await book(marie, people=crowd(2))
    with caplog.at_level(logging.ERROR):
        assert await made_mail() == 3
    broken = await Mailing.get(id=broken.pk)
    assert (broken.expanded_at, broken.attempts) == (None, 1)
    assert "UnreadableSnapshot" in broken.last_error
    assert f"mailing {broken.pk}: making its messages failed" in caplog.text


async def three_languages(marie: AdminUser) -> list[tuple[str, str]]:
    """Invitees in the three languages, (address, language) each: Marie's contacts Ana and
    Luis (Spanish), Jane and Bob (English, added here), and two others (French, hers)."""
    await people.add_contact(marie, people.ContactDetails("Jane Doe", "jane@example.com", "en"))
    await people.add_contact(marie, people.ContactDetails("Bob Stone", "bob@example.com", "en"))
    return [
        ("ana@example.com", "es"),
        ("luis@example.com", "es"),
        ("jane@example.com", "en"),
        ("bob@example.com", "en"),
        ("cleo@example.org", "fr"),
        ("dan@example.org", "fr"),
    ]


async def test_the_servers_sender_mails_every_invitee_once_in_their_language(
    settings: Settings, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole way: the booking commits its mailing, the sender the app's lifespan
    started (app.py) wakes, makes the messages and delivers them to a real SMTP server."""
    monkeypatch.setattr(delivery_loop, "LOOK_EVERY_SECONDS", 60.0)  # only the wakeup is quick
    async with in_process_carrier(with_smtp(settings, mail_server.url)):
        marie = await provision(settings)
        languages = await three_languages(marie)
        await asyncio.sleep(0.2)  # the sender's first look: nothing yet
        started = asyncio.get_running_loop().time()
        meeting = await book(marie, people=[address for address, _ in languages])
        received = await mail_server.wait_for(len(languages) + 1, seconds=10)
        assert asyncio.get_running_loop().time() - started < 3
        for _ in range(40):  # SENT is written while the next messages go out
            if not await OutboxMessage.exclude(state=OutboxState.SENT).exists():
                break
            await asyncio.sleep(0.05)
        assert await OutboxMessage.filter(state=OutboxState.SENT).count() == len(received)
    by_recipient = Counter(r for message in received for r in message.recipients)
    assert by_recipient == Counter([*(a for a, _ in languages), "marie@example.com"])
    for message in received:
        (to,) = message.recipients
        body = message.message
        if to == "marie@example.com":
            assert body["Content-Language"] == "fr"
            assert calendar_part(body) is None
            continue
        assert body["Content-Language"] == dict(languages)[to]
        calendar = calendar_part(body)
        assert calendar is not None
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == meeting.uid and len(event["ATTENDEE"]) == len(languages)


async def test_without_smtp_the_sender_still_makes_the_messages(
    settings: Settings, marie: AdminUser
) -> None:
    """So that the Outbox page shows the invitations waiting for a mail server."""
    assert settings.smtp is None
    task = asyncio.create_task(delivery_loop.deliver_forever(settings))
    try:
        await asyncio.sleep(0.2)
        await book(marie, people=crowd(3))
        for _ in range(60):
            if await OutboxMessage.all().count() == 4:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    states = await OutboxMessage.all().values_list("state", flat=True)
    assert states == [OutboxState.PENDING] * 4


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.heavy
async def test_four_processes_make_and_send_each_message_once(
    migrated_postgres_url: str, mail_server: MailServer
) -> None:
    """`voiceapp outbox send` in four processes at once: each makes mailings (claims,
    SKIP LOCKED) and sends; every message arrives once."""
    settings = make_settings(migrated_postgres_url)
    async with database(migrated_postgres_url):
        organizer = await provision_booking(settings)
        await rooms.add_room(settings, name="Plénière", conference_id=BIG_ROOM, capacity=250)
        for n in range(8):
            day = 15 + n
            await book(organizer, people=crowd(25, tag=f"m{n}-"), start=f"2027-03-{day} 10:00")
    env = {
        **os.environ,
        "VOICEAPP_DATABASE_URL": migrated_postgres_url,
        "VOICEAPP_SMTP_URL": mail_server.url,
    }
    senders = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voiceapp", "outbox", "send",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]  # fmt: skip
    outputs = [await sender.communicate() for sender in senders]
    assert [sender.returncode for sender in senders] == [0] * 4, outputs
    sent = [int(out.decode().split()[1].rstrip(",")) for out, _ in outputs]
    assert sum(sent) == 8 * 26, outputs
    recipients = Counter(mail_server.recipients())
    assert recipients["marie@example.com"] == 8
    del recipients["marie@example.com"]
    assert len(recipients) == 8 * 25 and set(recipients.values()) == {1}
    async with database(migrated_postgres_url):
        assert await Mailing.filter(expanded_at=None).count() == 0
