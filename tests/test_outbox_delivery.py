"""The sender inside the server: it wakes when this process queues mail, rides out an
SMTP server that goes away and comes back (every message arrives, once), hands back its
claims when the server shuts down, and several senders at once send each message once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from tortoise.transactions import in_transaction

from voiceapp.core.db import database
from voiceapp.core.models import OutboxMessage, OutboxState
from voiceapp.core.settings import Settings
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.mail import claims, delivery_loop, outbox, retry
from voiceapp.mail.sender import deliver_due

from .mail_server import MailServer, with_smtp


@pytest.fixture
async def mailing(settings: Settings, mail_server: MailServer) -> AsyncIterator[Settings]:
    async with database(settings.database_url):
        yield with_smtp(settings, mail_server.url)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff in tenths of a second instead of 30 s doubling to an hour."""
    monkeypatch.setattr(retry, "FIRST_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(retry, "LONGEST_WAIT_SECONDS", 0.4)


@pytest.fixture
async def running(mailing: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """deliver_forever, as the app's lifespan starts it; cancelled after the test."""
    task = asyncio.create_task(delivery_loop.deliver_forever(mailing))
    yield task
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def note(to: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = f"Invitation for {to}"
    message.set_content("Bonjour\n")
    return message


async def states() -> Counter[OutboxState]:
    return Counter(await OutboxMessage.all().values_list("state", flat=True))  # type: ignore[arg-type]


async def test_mail_queued_in_this_process_goes_out_at_once(
    mailing: Settings, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery_loop, "LOOK_EVERY_SECONDS", 60.0)  # only a nudge is quick
    task = asyncio.create_task(delivery_loop.deliver_forever(mailing))
    try:
        await asyncio.sleep(0.2)  # its first look: nothing yet
        started = asyncio.get_running_loop().time()
        async with in_transaction():
            await outbox.queue(note("ana@example.com"))
            # The nudge comes before the commit: the sender must look again after it.
            await asyncio.sleep(0.3)
        await mail_server.wait_for(1, seconds=3)
        assert asyncio.get_running_loop().time() - started < 2
    finally:
        task.cancel()
    assert mail_server.recipients() == ["ana@example.com"]


async def test_without_smtp_the_loop_sends_nothing_and_mail_waits(settings: Settings) -> None:
    """It keeps running only to make the messages of meetings' mailings (producers), so
    that the Outbox page shows them (tests/test_mailings.py)."""
    async with database(settings.database_url):
        await outbox.queue(note("ana@example.com"))
        task = asyncio.create_task(delivery_loop.deliver_forever(settings))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await states() == {OutboxState.PENDING: 1}


async def test_a_server_that_goes_away_and_comes_back_gets_every_message_once(
    mailing: Settings,
    mail_server: MailServer,
    quick_retries: None,
    running: asyncio.Task[None],
) -> None:
    await mail_server.wait_for(0)
    mail_server.stop()
    recipients = [f"guest{n}@example.com" for n in range(20)]
    async with in_transaction():
        for to in recipients[:10]:
            await outbox.queue(note(to))
    await asyncio.sleep(0.6)  # the sender tries, and tries again
    assert mail_server.received == []
    rows = await OutboxMessage.all()
    # Waiting, or being tried again right now; none given up on.
    assert {row.state for row in rows} <= {OutboxState.PENDING, OutboxState.SENDING}
    assert min(row.attempts for row in rows) >= 1
    assert all(row.last_error.startswith("cannot reach smtp://127.0.0.1:") for row in rows)

    mail_server.start()
    for to in recipients[10:]:
        await outbox.queue(note(to))
    await mail_server.wait_for(20)
    await asyncio.sleep(0.5)  # anything sent twice would have arrived by now
    assert sorted(mail_server.recipients()) == sorted(recipients)
    message_ids = Counter(mail.message["Message-ID"] for mail in mail_server.received)
    assert set(message_ids.values()) == {1}
    assert await states() == {OutboxState.SENT: 20}


async def test_a_sender_stopped_mid_batch_hands_back_what_it_has_not_sent(
    mailing: Settings, mail_server: MailServer
) -> None:
    mail_server.delay = 0.1  # a slow server: the batch is still going when the server stops
    async with in_transaction():
        for n in range(10):
            await outbox.queue(note(f"guest{n}@example.com"))
    task = asyncio.create_task(deliver_due(mailing))
    await mail_server.wait_for(3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    counted = await states()
    assert OutboxState.SENDING not in counted  # nothing waits for a claim to expire
    sent = await OutboxMessage.filter(state=OutboxState.SENT).values_list("recipient", flat=True)
    assert set(sent) <= set(mail_server.recipients())
    assert counted[OutboxState.PENDING] >= 10 - len(mail_server.received) - 1
    # The rest goes out with the next sender; at most the one in flight may repeat.
    mail_server.delay = 0
    await deliver_due(mailing)
    assert await states() == {OutboxState.SENT: 10}
    assert len(mail_server.received) <= 11
    assert sorted(set(mail_server.recipients())) == sorted(
        f"guest{n}@example.com" for n in range(10)
    )


async def test_four_senders_at_once_send_each_message_once(
    mailing: Settings, mail_server: MailServer
) -> None:
    """Four senders, each claiming on its own connection (the ORM's pool on PostgreSQL,
    SKIP LOCKED; SQLite's one writer), small batches so that their claims interleave."""
    recipients = [f"guest{n:03d}@example.com" for n in range(200)]
    async with in_transaction():
        for to in recipients:
            await outbox.queue(note(to))
    reports = await asyncio.gather(*(deliver_due(mailing, batch_size=5) for _ in range(4)))
    assert sum(report.sent for report in reports) == 200
    assert sum(1 for report in reports if report.sent) >= 2  # they really ran side by side
    assert sorted(mail_server.recipients()) == recipients  # each once
    assert await states() == {OutboxState.SENT: 200}


async def test_a_claim_takes_no_more_than_its_batch_even_side_by_side(mailing: Settings) -> None:
    """On PostgreSQL, `UPDATE ... WHERE id IN (SELECT ... LIMIT 5 FOR UPDATE SKIP LOCKED)`
    on a young table was planned as a nested loop that ran the subquery once per row:
    one claim took all 200 rows. The claim's pick runs once (claims.py)."""
    async with in_transaction():
        for n in range(200):
            await outbox.queue(note(f"guest{n:03d}@example.com"))
    taken: list[list[int]] = [[], [], [], []]

    async def claimer(mine: list[int]) -> None:
        while batch := await claims.claim_due(datetime.now(UTC), 5):
            mine.extend(message.id for message in batch)
            assert len(batch) <= 5
            await asyncio.sleep(0)

    await asyncio.gather(*(claimer(mine) for mine in taken))
    everything = [message_id for mine in taken for message_id in mine]
    assert len(everything) == len(set(everything)) == 200  # each claimed once
    assert all(len(mine) < 200 for mine in taken)
    assert await states() == {OutboxState.SENDING: 200}


async def test_the_server_sends_mail_from_its_lifespan(
    settings: Settings, mail_server: MailServer
) -> None:
    """The app starts the sender with the server (app.py) and stops it with it."""
    async with in_process_carrier(with_smtp(settings, mail_server.url)):
        await outbox.queue(note("ana@example.com"))
        await mail_server.wait_for(1, seconds=5)
    assert mail_server.recipients() == ["ana@example.com"]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.heavy
async def test_four_processes_sending_at_once_send_each_message_once(
    migrated_postgres_url: str, mail_server: MailServer
) -> None:
    """`voiceapp outbox send` in four processes at once, as cron on four hosts would run
    it: each its own database connection, SKIP LOCKED between them."""
    recipients = [f"guest{n:03d}@example.com" for n in range(400)]
    async with database(migrated_postgres_url), in_transaction():
        for to in recipients:
            await outbox.queue(note(to))
    mail_server.delay = 0.01  # a slow relay: one process alone would take 4 s
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
    assert sum(sent) == 400
    assert sum(1 for count in sent if count) >= 2, sent  # they really overlapped
    assert sorted(mail_server.recipients()) == recipients  # each once
