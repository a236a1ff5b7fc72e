"""Delivering what is due: claim a batch, send it over one SMTP connection, write down
what came of each message, and again until nothing is due.

Used by the loop in every server process (delivery_loop) and by `voiceapp outbox send`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses

import aiosmtplib

from voiceapp.core.errors import VoiceappError
from voiceapp.core.i18n import N_
from voiceapp.core.models import OutboxState
from voiceapp.core.settings import Settings, SmtpServer
from voiceapp.mail import claims, producers, smtp
from voiceapp.mail.claims import Claimed
from voiceapp.mail.smtp import Failure
from voiceapp.mail.wire import SEVEN_BIT

log = logging.getLogger(__name__)

# Messages per claim, all sent over one connection.
BATCH_SIZE = 50
# A batch hands back the messages it has not sent after this long (a slow server), well
# before claims.CLAIM_TIMEOUT would take them as abandoned.
BATCH_SECONDS = 300.0
# A header named From at the start of a line of the message's header section.
HAS_FROM = re.compile(r"^from:", re.IGNORECASE | re.MULTILINE)


NOT_CONFIGURED = N_("VOICEAPP_SMTP_URL is not set: no e-mail can be sent, it waits in the outbox")


class SmtpNotConfigured(VoiceappError):
    """No VOICEAPP_SMTP_URL: mail waits in the outbox."""


@dataclass
class DeliveryReport:
    # Messages written to the outbox this round by producers (meetings' mailings).
    made: int = 0
    sent: int = 0
    retrying: int = 0  # failed for now, tried again later
    failed: int = 0  # refused for good, or out of attempts
    # Why the server could not be reached, when it could not: the round stopped there.
    unreachable: str = ""

    def count(self, state: OutboxState) -> None:
        if state is OutboxState.FAILED:
            self.failed += 1
        else:
            self.retrying += 1


class Envelope:
    """Who the messages are from: the envelope sender (where bounces go) and the From
    header added to a message queued without one."""

    def __init__(self, mail_from: str) -> None:
        self.sender = getaddresses([mail_from])[0][1]
        header = EmailMessage(policy=SEVEN_BIT)
        header["From"] = mail_from  # encoded and folded as the email package does it
        self.from_line = header.as_string().rstrip("\r\n") + "\r\n"

    def wire(self, message: str) -> str:
        head = message.split("\r\n\r\n", 1)[0]
        return message if HAS_FROM.search(head) else self.from_line + message


def now() -> datetime:
    return datetime.now(UTC)


def stop_if_cancelled() -> None:
    """Raise CancelledError if this task was asked to stop, even where the request got
    lost: aiosmtplib waits for each answer with asyncio.wait_for, which on Python 3.11
    returns the answer and drops a cancel() that came in the same instant. The task
    still counts it (Task.cancelling), so the sender stops at its next step, and a
    server shutting down never waits for a sender that did not hear it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def deliver_due(settings: Settings, *, batch_size: int = BATCH_SIZE) -> DeliveryReport:
    """Make the messages recorded to be made later (producers), then send every message
    due now; stop early when the server cannot be reached (the messages of that batch
    are tried again after their backoff, the others at the next round)."""
    server = settings.smtp
    if server is None:
        raise SmtpNotConfigured(NOT_CONFIGURED)
    envelope = Envelope(settings.mail_from)
    # First the mail recorded to be made after its change (a meeting's invitations):
    # it goes out in this round.
    report = DeliveryReport(made=await producers.produce_due(now(), mail_from=settings.mail_from))
    if released := await claims.release_stale(now()):
        log.warning("outbox: %s message(s) abandoned by a stopped sender are due again", released)
    while not report.unreachable:
        stop_if_cancelled()
        batch = await claims.claim_due(now(), batch_size)
        if not batch:
            break
        await send_batch(batch, server, envelope, report)
    return report


class SentMarks:
    """Writes SENT for the messages the server took while the next ones are on their
    way: the database's commit (an fsync on PostgreSQL) and the SMTP exchanges overlap
    instead of adding up, and the messages sent during one commit are marked together
    by the next. One write at a time; shielded, so a cancelled sender still finishes
    writing what was sent. (bench/outbox.py, PostgreSQL on a loaded 2-core machine:
    99 messages/s with a commit after each message, 770 with this.)"""

    def __init__(self) -> None:
        self._waiting: list[int] = []
        self._writing: asyncio.Task[None] | None = None

    async def add(self, message_id: int) -> None:
        self._waiting.append(message_id)
        if self._writing is not None and self._writing.done():
            await self._finish()
        if self._writing is None:
            self._start()

    async def flush(self) -> None:
        """Return once every message added is written down as SENT."""
        while self._writing is not None or self._waiting:
            if self._writing is not None:
                await self._finish()
            if self._waiting:
                self._start()

    def _start(self) -> None:
        ids, self._waiting = self._waiting, []
        self._writing = asyncio.create_task(claims.mark_sent(ids, now()))

    async def _finish(self) -> None:
        writing = self._writing
        if writing is None:
            return
        try:
            await asyncio.shield(writing)  # its error, if any, is raised here
        finally:
            if writing.done():  # cancelled while it runs: flush() waits for it again
                self._writing = None


async def send_batch(
    batch: list[Claimed], server: SmtpServer, envelope: Envelope, report: DeliveryReport
) -> None:
    """Send the claimed `batch` over one connection (a new one if the server drops it),
    and settle every message: SENT, PENDING again, or FAILED. Whatever is left unsent
    when this stops (time is up, or the task is cancelled) goes back to PENDING."""
    waiting = list(batch)
    deadline = time.monotonic() + BATCH_SECONDS
    client: aiosmtplib.SMTP | None = None
    marks = SentMarks()
    try:
        while waiting and time.monotonic() < deadline:
            stop_if_cancelled()
            if client is None:
                try:
                    client = await smtp.connect(server)
                except Exception as error:
                    failure = smtp.connect_failure(error, server)
                    log.warning("outbox: %s; %s message(s) wait", failure.reason, len(waiting))
                    report.unreachable = failure.reason
                    while waiting:
                        await settle(waiting.pop(0), failure, report)
                    return
            message = waiting[0]
            try:
                await client.sendmail(
                    envelope.sender, [message.recipient], envelope.wire(message.message)
                )
            except Exception as error:
                failure = smtp.send_failure(error, server)
                if failure.connection_lost:
                    client.close()
                    client = None
                await settle(waiting.pop(0), failure, report)
            else:
                # Off the list first: should writing SENT fail (the database away), the
                # claim stays and expires, rather than the message going back in line now.
                waiting.pop(0)
                await marks.add(message.id)
                report.sent += 1
        if client is not None:
            await smtp.disconnect(client)
            client = None
    finally:
        if client is not None:  # stopped by an error or a cancellation: no QUIT
            client.close()
        await marks.flush()
        if waiting:
            # On cancellation the first of them may be in the server's hands already:
            # it goes back in line, and may arrive twice (see the package's docstring).
            await claims.unclaim(message.id for message in waiting)


async def settle(message: Claimed, failure: Failure, report: DeliveryReport) -> None:
    state = await claims.mark_failure(message, now(), failure.reason, permanent=failure.permanent)
    report.count(state)
    if state is OutboxState.FAILED:
        log.warning(
            "outbox: message %s to %s failed: %s", message.id, message.recipient, failure.reason
        )
