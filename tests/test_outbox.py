"""The outbox: mail exists exactly when the change that caused it commits, goes out once
to a real SMTP server (aiosmtpd, tests/mail_server.py), is retried on 4xx and while the
server is away, fails with the server's reason on 5xx, and is shown as it will arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from tortoise.transactions import in_transaction

from voiceapp.core.db import database
from voiceapp.core.models import OutboxMessage, OutboxState
from voiceapp.core.settings import Settings
from voiceapp.mail import claims, listing, outbox, preview, retry, sender
from voiceapp.mail.sender import deliver_due

from .mail_server import MailServer, with_smtp


class Boom(Exception):
    """The change the mail was about failed after the mail was queued."""


@pytest.fixture
async def orm(settings: Settings) -> AsyncIterator[None]:
    async with database(settings.database_url):
        yield


@pytest.fixture
def mailing(settings: Settings, mail_server: MailServer, orm: None) -> Settings:
    """The test's settings, sending through `mail_server`."""
    return with_smtp(settings, mail_server.url, VOICEAPP_MAIL_FROM="Pont <bridge@example.test>")


def invitation(to: str, subject: str = "Réunion d'équipe", **headers: str) -> EmailMessage:
    """A message shaped like an invitation: text, HTML and a calendar, accents included
    (left to Python's choice of 8bit, which the outbox must turn into 7 bits)."""
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Bonjour, la réunion a lieu à 10 h 00.\n")
    message.add_alternative("<p>La réunion a lieu à <b>10 h 00</b>.</p>\n", subtype="html")
    message.add_attachment(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Réunion\r\nEND:VCALENDAR\r\n",
        subtype="calendar",
        filename="invite.ics",
        params={"method": "REQUEST"},
    )
    return message


async def make_due() -> None:
    """Time passes: every waiting message's next attempt is now."""
    await OutboxMessage.filter(state=OutboxState.PENDING).update(
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
    )


async def test_mail_queued_in_a_rolled_back_transaction_never_exists(
    mailing: Settings, mail_server: MailServer
) -> None:
    with pytest.raises(Boom):
        async with in_transaction():
            assert await outbox.queue(invitation("ana@example.com")) is not None
            raise Boom
    assert await OutboxMessage.all().count() == 0
    assert await deliver_due(mailing) == sender.DeliveryReport()
    assert mail_server.received == []


async def test_committed_mail_is_sent_once_over_one_connection(
    mailing: Settings, mail_server: MailServer
) -> None:
    async with in_transaction():
        for n in range(3):
            await outbox.queue(invitation(f"guest{n}@example.com"))
    report = await deliver_due(mailing)
    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    assert await deliver_due(mailing) == sender.DeliveryReport()  # nothing twice
    received = mail_server.received
    assert [mail.recipients for mail in received] == [[f"guest{n}@example.com"] for n in range(3)]
    assert {mail.sender for mail in received} == {"bridge@example.test"}
    assert mail_server.connections() == 1
    rows = await OutboxMessage.all().order_by("id")
    assert [(row.state, row.attempts, row.last_error) for row in rows] == [
        (OutboxState.SENT, 1, "")
    ] * 3
    assert all(row.sent_at is not None and row.claimed_at is None for row in rows)


async def test_the_message_arrives_as_queued_and_as_the_preview_shows_it(
    mailing: Settings, mail_server: MailServer
) -> None:
    queued = await outbox.queue(invitation("Ana Ruiz <ana@example.com>"))
    assert queued is not None
    view = await preview.recipient_view(queued.id, mailing)
    assert view is not None
    await deliver_due(mailing)
    arrived = (await mail_server.wait_for(1))[0]
    assert arrived.data.isascii()  # the 8bit parts were re-encoded
    message = arrived.message
    headers = dict(view.headers)
    assert message["From"] == headers["From"] == "Pont <bridge@example.test>"
    assert message["To"] == headers["To"] == "Ana Ruiz <ana@example.com>"
    assert message["Subject"] == headers["Subject"] == "Réunion d'équipe"
    assert message["Message-ID"] == headers["Message-ID"]
    assert message["Date"] == headers["Date"]
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == view.text
    assert view.text is not None and "à 10 h 00" in view.text
    assert html.get_content() == view.html
    calendars = [part for part in view.parts if part.content_type == "text/calendar"]
    assert [(part.params.get("method"), part.filename) for part in calendars] == [
        ("REQUEST", "invite.ics")
    ]
    assert calendars[0].text is not None and "SUMMARY:Réunion" in calendars[0].text
    assert view.entry.state is OutboxState.PENDING  # as it was when looked at
    assert await preview.recipient_view(queued.id + 1000, mailing) is None


async def test_a_from_set_by_the_caller_is_kept(mailing: Settings, mail_server: MailServer) -> None:
    await outbox.queue(invitation("ana@example.com", From="Marie Curie <marie@example.org>"))
    await deliver_due(mailing)
    arrived = (await mail_server.wait_for(1))[0]
    assert arrived.message.get_all("From") == ["Marie Curie <marie@example.org>"]
    assert arrived.sender == "bridge@example.test"  # bounces come back to us
    assert arrived.message["Message-ID"].endswith("@example.org>")


@pytest.mark.parametrize(
    ("to", "cc"),
    [("", None), ("a@example.com, b@example.com", None), ("a@example.com", "b@example.com")],
)
async def test_a_message_goes_to_exactly_one_address(orm: None, to: str, cc: str | None) -> None:
    message = invitation(to) if to else invitation("x@example.com")
    if not to:
        del message["To"]
    if cc:
        message["Cc"] = cc
    with pytest.raises(ValueError, match="one address"):
        await outbox.queue(message)
    assert await OutboxMessage.all().count() == 0


async def test_a_4xx_answer_is_retried_after_a_backoff(
    mailing: Settings, mail_server: MailServer
) -> None:
    mail_server.answer("451 4.7.1 Greylisted, try again later")
    queued = await outbox.queue(invitation("ana@example.com"))
    assert queued is not None
    before = datetime.now(UTC)
    report = await deliver_due(mailing)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    row = await OutboxMessage.get(id=queued.id)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert row.last_error == "451 4.7.1 Greylisted, try again later"
    wait = row.next_attempt_at - before
    assert timedelta(seconds=29) < wait < timedelta(seconds=35)
    assert await deliver_due(mailing) == sender.DeliveryReport()  # not due yet
    await make_due()
    assert (await deliver_due(mailing)).sent == 1
    row = await OutboxMessage.get(id=queued.id)
    assert (row.state, row.attempts, row.last_error) == (OutboxState.SENT, 2, "")
    assert len(mail_server.received) == 1


async def test_a_5xx_answer_fails_the_message_with_the_reason_and_the_batch_goes_on(
    mailing: Settings, mail_server: MailServer
) -> None:
    mail_server.answer("550 5.1.1 <nobody@example.com>: Recipient address rejected")
    async with in_transaction():
        for who in ("nobody", "ana", "luis"):
            await outbox.queue(invitation(f"{who}@example.com"))
    report = await deliver_due(mailing)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 1)
    rows = await OutboxMessage.all().order_by("id")
    assert [(row.recipient, row.state) for row in rows] == [
        ("nobody@example.com", OutboxState.FAILED),
        ("ana@example.com", OutboxState.SENT),
        ("luis@example.com", OutboxState.SENT),
    ]
    assert rows[0].last_error == "550 5.1.1 <nobody@example.com>: Recipient address rejected"
    await make_due()
    assert await deliver_due(mailing) == sender.DeliveryReport()  # never tried again
    assert mail_server.recipients() == ["ana@example.com", "luis@example.com"]
    assert mail_server.connections() == 1


async def test_after_the_last_attempt_a_message_fails(
    mailing: Settings, mail_server: MailServer
) -> None:
    queued = await outbox.queue(invitation("ana@example.com"))
    assert queued is not None
    await OutboxMessage.filter(id=queued.id).update(attempts=retry.MAX_ATTEMPTS - 1)
    mail_server.answer("452 4.2.2 Mailbox full")
    report = await deliver_due(mailing)
    assert (report.retrying, report.failed) == (0, 1)
    row = await OutboxMessage.get(id=queued.id)
    assert (row.state, row.attempts) == (OutboxState.FAILED, retry.MAX_ATTEMPTS)
    assert row.last_error == "452 4.2.2 Mailbox full"


def test_the_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    waits = [retry.wait_after(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry.wait_after(1000) == timedelta(hours=1)
    assert not retry.gives_up(retry.MAX_ATTEMPTS - 1)
    assert retry.gives_up(retry.MAX_ATTEMPTS)


async def test_a_server_away_then_back_gets_every_message_once(
    mailing: Settings, mail_server: MailServer
) -> None:
    mail_server.stop()
    async with in_transaction():
        for n in range(5):
            await outbox.queue(invitation(f"guest{n}@example.com"))
    report = await deliver_due(mailing)
    assert (report.sent, report.retrying, report.failed) == (0, 5, 0)
    assert report.unreachable.startswith(f"cannot reach smtp://127.0.0.1:{mail_server.port}: ")
    rows = await OutboxMessage.all()
    assert {(row.state, row.attempts) for row in rows} == {(OutboxState.PENDING, 1)}
    assert {row.last_error for row in rows} == {report.unreachable}

    mail_server.start()
    assert await deliver_due(mailing) == sender.DeliveryReport()  # waiting out the backoff
    await make_due()
    assert (await deliver_due(mailing)).sent == 5
    await make_due()
    assert (await deliver_due(mailing)).sent == 0
    assert sorted(mail_server.recipients()) == [f"guest{n}@example.com" for n in range(5)]


async def test_a_claim_abandoned_by_a_dead_sender_is_sent_again(
    mailing: Settings, mail_server: MailServer
) -> None:
    """A worker killed between its claim and the server's answer leaves a SENDING row:
    once the claim is older than the timeout, it goes out (perhaps a second time)."""
    old = await outbox.queue(invitation("old@example.com"))
    recent = await outbox.queue(invitation("recent@example.com"))
    assert old is not None and recent is not None
    now = datetime.now(UTC)
    await OutboxMessage.filter(id=old.id).update(
        state=OutboxState.SENDING, claimed_at=now - claims.CLAIM_TIMEOUT - timedelta(seconds=1)
    )
    await OutboxMessage.filter(id=recent.id).update(
        state=OutboxState.SENDING, claimed_at=now - timedelta(minutes=1)
    )
    assert (await deliver_due(mailing)).sent == 1
    assert mail_server.recipients() == ["old@example.com"]
    old_row = await OutboxMessage.get(id=old.id)
    assert (old_row.state, old_row.attempts) == (OutboxState.SENT, 2)
    recent_row = await OutboxMessage.get(id=recent.id)
    assert recent_row.state is OutboxState.SENDING  # its sender may still be at work


async def test_a_dedupe_key_makes_a_second_message_a_no_op_inside_the_transaction(
    mailing: Settings, mail_server: MailServer
) -> None:
    async with in_transaction():
        first = await outbox.queue(invitation("ana@example.com"), dedupe_key="reminder:7:ana")
        again = await outbox.queue(invitation("ana@example.com"), dedupe_key="reminder:7:ana")
        # The transaction goes on after the duplicate (PostgreSQL aborts a transaction
        # whose INSERT failed on a unique index: the outbox must not do that).
        other = await outbox.queue(invitation("luis@example.com"), dedupe_key="reminder:7:luis")
    assert first is not None and other is not None
    assert again is None
    assert first.dedupe_key == "reminder:7:ana"
    assert await OutboxMessage.all().count() == 2
    await deliver_due(mailing)
    # Sent or not, the key stays taken: a later worker's copy is dropped too.
    assert await outbox.queue(invitation("ana@example.com"), dedupe_key="reminder:7:ana") is None
    assert sorted(mail_server.recipients()) == ["ana@example.com", "luis@example.com"]


async def test_a_dedupe_key_is_checked_for_length(orm: None) -> None:
    with pytest.raises(ValueError, match="dedupe key"):
        await outbox.queue(invitation("ana@example.com"), dedupe_key="k" * 201)


async def test_the_listing_filters_by_state_and_counts(
    mailing: Settings, mail_server: MailServer
) -> None:
    mail_server.answer("554 5.7.1 Message refused")
    for who in ("nobody", "ana"):
        await outbox.queue(invitation(f"{who}@example.com"))
    await deliver_due(mailing)
    await outbox.queue(invitation("later@example.com", subject="Plus tard"))
    everything = await listing.list_messages()
    assert [(entry.recipient, entry.state) for entry in everything] == [
        ("later@example.com", OutboxState.PENDING),
        ("ana@example.com", OutboxState.SENT),
        ("nobody@example.com", OutboxState.FAILED),
    ]
    failed = await listing.list_messages(OutboxState.FAILED)
    assert [(entry.subject, entry.attempts, entry.last_error) for entry in failed] == [
        ("Réunion d'équipe", 1, "554 5.7.1 Message refused")
    ]
    assert await listing.count_by_state() == {
        OutboxState.PENDING: 1,
        OutboxState.SENDING: 0,
        OutboxState.SENT: 1,
        OutboxState.FAILED: 1,
    }
    assert len(await listing.list_messages(limit=2)) == 2


async def test_without_smtp_mail_waits_and_nothing_fails(settings: Settings, orm: None) -> None:
    assert settings.smtp is None
    await outbox.queue(invitation("ana@example.com"))
    with pytest.raises(sender.SmtpNotConfigured, match="VOICEAPP_SMTP_URL is not set"):
        await deliver_due(settings)
    row = await OutboxMessage.get()
    assert (row.state, row.attempts, row.last_error) == (OutboxState.PENDING, 0, "")
