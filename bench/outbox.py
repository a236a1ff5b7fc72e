"""The outbox's delivery rate on one worker, next to the webhook baseline.

    python -m bench.outbox [--messages 200] [--rounds 3] [--backends sqlite,postgres]
                           [--duration 10] [--connections 50] [--tool auto|wrk|python]

For each database: queue `--messages` invitation-sized messages (text, HTML and a
calendar, accents included) in one transaction, then time one sender delivering them to
a local aiosmtpd that accepts everything: `sender.deliver_due`, what the loop in each
server worker runs. Claims, SMTP over one connection per batch of 50, and the SENT mark
of every message are all in the figure. The server checks that every message arrived
once. The SMTP server runs in a process of its own, as a real relay would (in a thread
of this one it took the GIL from the sender and halved the figure).

The baseline is bench/run.py's (the constant-TwiML Starlette app, served and loaded the
same way), printed beside it with the ratio of messages/s to its req/s.
Target: at least 100 messages/s (median of the rounds). Exit status 1 when it is missed
or a message is missing or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from multiprocessing.connection import Connection

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from tortoise.transactions import in_transaction

from bench.load import Result
from bench.run import baseline_options, fresh_database, measure_baseline, parsed_with_tool
from voiceapp.core.db import database, migrate
from voiceapp.core.settings import load_settings
from voiceapp.emulator.server import free_port
from voiceapp.mail import outbox
from voiceapp.mail.sender import deliver_due

TARGET_PER_SECOND = 100.0
MESSAGE_ID = b"\nmessage-id:"


class Sink:
    """aiosmtpd's handler: accepts every message and counts each Message-ID."""

    def __init__(self) -> None:
        self.seen: Counter[bytes] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = bytes(envelope.original_content or b"")
        start = data.lower().find(MESSAGE_ID)
        message_id = data[start : data.find(b"\n", start + 1)].strip() if start >= 0 else b""
        with self.lock:
            self.seen[message_id] += 1
        return "250 2.0.0 OK"


def serve_sink(port: int, orders: Connection) -> None:
    """The SMTP server's process: a Sink on `port`; each "count" on `orders` is
    answered with the Message-IDs seen since the last one; "stop" ends it."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="bench.test")
    controller.start()
    orders.send("ready")
    try:
        while orders.recv() == "count":
            with sink.lock:
                orders.send(dict(sink.seen))
                sink.seen.clear()
    finally:
        controller.stop()


@contextmanager
def sink_process() -> Iterator[tuple[int, Connection]]:
    """A Sink in its own process: its port, and the line to ask it for counts."""
    port = free_port()
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve_sink, args=(port, theirs))
    process.start()
    try:
        if not ours.poll(30) or ours.recv() != "ready":
            raise RuntimeError("the benchmark's SMTP server did not start")
        yield port, ours
    finally:
        ours.send("stop")
        process.join(10)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="messages per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per database")
    parser.add_argument("--backends", default="sqlite,postgres", help="databases to measure")
    baseline_options(parser)
    return parsed_with_tool(parser)


def invitation(n: int) -> EmailMessage:
    """About the size and shape of a real invitation (DESIGN.md, Scheduling)."""
    message = EmailMessage()
    message["From"] = "Pont de conférence <bridge@example.org>"
    message["To"] = f"Invité {n} <guest{n:05d}@example.com>"
    message["Subject"] = f"Invitation : revue trimestrielle n° {n}"
    details = "Numéro : +33 1 80 00 00 01 (français)\nID de conférence : 1234#\nPIN : 4321#\n"
    # Quoted-printable, as DESIGN.md asks of accented text (Python would pick 8bit).
    text = "Bonjour,\n\nVous êtes invité à la réunion.\n\n" + details * 4
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(
        f"<p>Bonjour,</p><pre>{details * 4}</pre>", subtype="html", cte="quoted-printable"
    )
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"UID:bench-{n}@example.org\r\nSUMMARY:Revue trimestrielle\r\n"
        "DTSTART:20300101T090000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message.add_attachment(
        calendar, subtype="calendar", filename="invite.ics", params={"method": "REQUEST"}
    )
    return message


async def one_round(
    database_url: str, smtp_url: str, sink: Connection, count: int
) -> tuple[float, float]:
    """Queue `count` messages, deliver them; (seconds to queue, messages/s delivered)."""
    settings = load_settings({"VOICEAPP_DATABASE_URL": database_url, "VOICEAPP_SMTP_URL": smtp_url})
    messages = [invitation(n) for n in range(count)]
    started = time.perf_counter()
    async with in_transaction():
        for message in messages:
            await outbox.queue(message)
    queued = time.perf_counter() - started
    sink.send("count")
    sink.recv()  # forget earlier rounds
    started = time.perf_counter()
    report = await deliver_due(settings)
    elapsed = time.perf_counter() - started
    sink.send("count")
    seen: dict[bytes, int] = sink.recv()
    if report.sent != count or len(seen) != count or set(seen.values()) != {1}:
        raise RuntimeError(
            f"sent {report.sent} of {count}; the server got {sum(seen.values())} "
            f"messages, {len(seen)} different"
        )
    return queued, count / elapsed


async def measure_backend(backend: str, args: argparse.Namespace) -> list[tuple[float, float]]:
    with sink_process() as (port, sink):
        async with fresh_database(backend, args) as database_url:
            await migrate(database_url)
            async with database(database_url):
                smtp_url = f"smtp://127.0.0.1:{port}"
                return [
                    await one_round(database_url, smtp_url, sink, args.messages)
                    for _ in range(args.rounds)
                ]


def report(baseline: Result, measured: dict[str, list[tuple[float, float]]], messages: int) -> int:
    print(
        f"\nvoiceapp outbox benchmark: 1 sender, {messages} messages a round, "
        f"{os.cpu_count()} CPU(s)\n"
    )
    print(f"{'':36}{'rate/s':>9}{'ratio':>9}  target")
    print(f"{'baseline (constant TwiML), req/s':36}{baseline.rate:>9.0f}{1:>9.1%}")
    missed = False
    for backend, rounds in measured.items():
        rates = [rate for _, rate in rounds]
        rate = statistics.median(rates)
        ok = rate >= TARGET_PER_SECOND
        missed = missed or not ok
        verdict = f">= {TARGET_PER_SECOND:g}/s: " + ("met" if ok else "MISSED")
        print(
            f"{backend + ' outbox delivery, messages/s':36}{rate:>9.0f}"
            f"{rate / baseline.rate:>9.1%}  {verdict}"
        )
        each = ", ".join(f"{r:.0f}" for r in rates)
        queued = statistics.median(seconds for seconds, _ in rounds) * 1000
        print(f"{'':36}rounds: {each}; queueing {messages} in one transaction: {queued:.0f} ms")
    return 1 if missed else 0


async def main() -> int:
    args = parse_args()
    baseline = await measure_baseline(args)
    measured = {
        backend.strip(): await measure_backend(backend.strip(), args)
        for backend in args.backends.split(",")
    }
    return report(baseline, measured, args.messages)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
