"""Booking a meeting with 200 invitees through the web page, next to the webhook baseline.

    python -m bench.schedule [--invitees 200] [--rounds 5] [--backends sqlite,postgres]
                             [--duration 10] [--connections 50] [--tool auto|wrk|python]

For each database: `voiceapp serve` (one worker, no SMTP server: the mail waits in the
outbox, as it does until VOICEAPP_SMTP_URL is set) and an organizer logged in with an
HTTP client. Each round POSTs the Invite & Schedule form as a browser does (the CSRF
token, 200 addresses pasted one per line, a weekly series of 4 with a reminder) and times
the request from the first byte sent to the 303 that ends it: the form parsed, every
booking rule checked, 200 invitations and the organizer's confirmation built (text,
HTML and iCalendar, each in its reader's language), and the meeting, its sittings, its
invitees and the 201 outbox rows written in one transaction. Each round books a
different day, and is checked afterwards: the meeting exists with its 200 invitees, and
201 messages are queued, none sent.

Printed beside it: bench/run.py's baseline (the constant-TwiML Starlette app, served and
loaded the same way), its median latency and req/s; and, to tell where the time goes,
the same 200 invitations built in this process alone (no database, no HTTP).
Then, per database, the sender's side: one sender (sender.deliver_due, as each worker's
loop runs it) makes a booked meeting's 201 messages and delivers them to a local aiosmtpd
(bench/outbox.py's, in its own process), each checked to arrive once: seconds and
messages/s, beside the baseline's req/s.
Target: the median round answers in under 200 ms. Exit status 1 when it is missed or a
round's meeting or mail is not as it should be.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bench.load import Result
from bench.outbox import sink_process
from bench.run import NUMBER, baseline_options, fresh_database, measure_baseline, parsed_with_tool
from voiceapp.accounts import profiles
from voiceapp.conferencing import rooms
from voiceapp.core.db import database, migrate
from voiceapp.core.models import AdminUser, Mailing, Meeting, OutboxMessage, OutboxState
from voiceapp.core.settings import load_settings
from voiceapp.emulator.server import free_port, live_server, serve_command
from voiceapp.mail.sender import deliver_due
from voiceapp.scheduling import meetings
from voiceapp.scheduling.mailings import Confirmation, Snapshot, messages
from voiceapp.scheduling.meeting_forms import MeetingForm
from voiceapp.scheduling.meeting_view import (
    DialIn,
    DialInNumber,
    InviteeView,
    MeetingView,
    Organizer,
)
from voiceapp.switchboard import conference_server, numbers

TARGET_MS = 200.0
SECRET = "bench-secret-key-0123456789abcdef-0123456789"  # noqa: S105 (a throwaway server's)
TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105
ORGANIZER = "organizer"
PASSWORD = "bench organizer password"  # noqa: S105
ROOM = "7000"
ZONE = "Europe/Paris"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# How long the server's sender may take to make a round's messages after the commit.
MAIL_WITHIN = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitees", type=int, default=200, help="invitees per meeting")
    parser.add_argument("--rounds", type=int, default=5, help="meetings booked per database")
    parser.add_argument("--backends", default="sqlite,postgres", help="databases to measure")
    baseline_options(parser)
    return parsed_with_tool(parser)


def guests(count: int) -> list[str]:
    """Invitees as an organizer pastes them, accents and all."""
    return [f"Invité n° {n} <guest{n:05d}@example.com>" for n in range(count)]


async def provision(database_url: str) -> None:
    """The bridge and its number, one room big enough, and the organizer (French)."""
    settings = load_settings({"VOICEAPP_DATABASE_URL": database_url})
    await migrate(database_url)
    async with database(database_url):
        await conference_server.setup_bridge("800", "fr")
        await numbers.add_number(NUMBER, "800", "fr")
        await rooms.add_room(
            settings,
            name="Salle plénière",
            conference_id=ROOM,
            pin="4321",
            capacity=settings.max_capacity,
        )
        await profiles.create_account(
            ORGANIZER,
            PASSWORD,
            profiles.Profile(
                role="organizer",
                display_name="Marie Curie",
                email="marie@example.com",
                language="fr",
                time_zone=ZONE,
            ),
        )


async def log_in(client: httpx.AsyncClient) -> str:
    """Log the organizer in; the session's CSRF token, as the schedule page carries it."""
    page = await client.get("/admin/login")
    token = CSRF.search(page.text)
    assert token is not None
    answer = await client.post(
        "/admin/login",
        data={"username": ORGANIZER, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"the organizer could not log in: {answer.status_code}")
    page = await client.get("/admin/schedule")
    token = CSRF.search(page.text)
    assert token is not None
    return token.group(1)


def form(token: str, day: date, invitees: list[str]) -> dict[str, str | list[str]]:
    return {
        "csrf_token": token,
        "subject": f"Assemblée générale du {day.isoformat()}",
        "organizer_name": "Marie Curie",
        "room": ROOM,
        "details": "Ordre du jour : comptes, budget, élections.",
        "date": day.isoformat(),
        "time": "10:00",
        "duration": "90",
        "time_zone": ZONE,
        "invitee_name": [""],
        "invitee_email": [""],
        "invitee_list": "\n".join(invitees),
        "repeat": "weekly",
        "repeat_end": "count",
        "repeat_count": "4",
        "reminder": "15",
    }


@dataclass(frozen=True)
class Round:
    answer_ms: float  # the POST, to its 303
    made_s: float  # from the 303 until the 201 messages were in the outbox
    stall_ms: float  # the slowest /healthz answer meanwhile (the worker's loop busy)


async def wait_for_mail(database_url: str, subject: str, invitees: int) -> None:
    """The round's meeting has its invitees, and its mail is made (after the commit, by
    the server's sender) and waits in the outbox, none sent."""
    async with database(database_url):
        meeting = await Meeting.get(subject=subject)
        found = await meeting.invitees.all().count()  # type: ignore[attr-defined]
        (mailing,) = await Mailing.filter(meeting_id=meeting.pk)
        deadline = time.monotonic() + MAIL_WITHIN
        while True:
            queued = await OutboxMessage.filter(
                dedupe_key__startswith=f"mailing:{mailing.pk}:"
            ).count()
            if queued >= invitees + 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        sent = await OutboxMessage.exclude(state=OutboxState.PENDING).count()
    if found != invitees or queued != invitees + 1 or sent:
        raise RuntimeError(
            f"{subject}: {found} invitees of {invitees}; {queued} messages made within "
            f"{MAIL_WITHIN:g} s, {sent} not pending (none should have been sent)"
        )


async def probe(client: httpx.AsyncClient, done: asyncio.Event) -> float:
    """The slowest answer of /healthz, asked every 20 ms until `done`: how long the
    worker's event loop was busy at a stretch (a webhook would wait as long)."""
    slowest = 0.0
    while not done.is_set():
        started = time.perf_counter()
        await client.get("/healthz")
        slowest = max(slowest, (time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)
    return slowest


async def one_round(
    client: httpx.AsyncClient, database_url: str, data: dict[str, str | list[str]], count: int
) -> Round:
    started = time.perf_counter()
    answer = await client.post("/admin/schedule", data=data)
    answered = time.perf_counter()
    if answer.status_code != 303:
        raise RuntimeError(f"{answer.status_code}\n{answer.text[:2000]}")
    done = asyncio.Event()
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=30) as other:
        stall = asyncio.create_task(probe(other, done))
        try:
            await wait_for_mail(database_url, str(data["subject"]), count)
        finally:
            done.set()
        made = time.perf_counter()
        return Round((answered - started) * 1000, made - answered, await stall)


async def measure_backend(backend: str, args: argparse.Namespace) -> list[Round]:
    """Each round's figures, on `backend`."""
    invitees = guests(args.invitees)
    async with fresh_database(backend, args) as database_url:
        await provision(database_url)
        port = free_port()
        env = {
            "VOICEAPP_DATABASE_URL": database_url,
            "VOICEAPP_SECRET_KEY": SECRET,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "VOICEAPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "VOICEAPP_SMTP_URL": "",
        }
        async with (
            live_server(serve_command(port), env, port) as server,
            httpx.AsyncClient(base_url=server.base_url, timeout=30) as client,
        ):
            token = await log_in(client)
            first = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=30)
            # One round not counted: the first request of a process reads its catalogs,
            # templates and zone data.
            days = [first + timedelta(days=n) for n in range(args.rounds + 1)]
            rounds = []
            for n, day in enumerate(days):
                measured = await one_round(
                    client, database_url, form(token, day, invitees), args.invitees
                )
                if n:
                    rounds.append(measured)
            return rounds


def building_alone(count: int, rounds: int = 5) -> float:
    """Milliseconds to make `count` invitations and the confirmation in this process, as
    the sender makes a mailing's (the median of `rounds`): no database, no HTTP."""
    start = datetime(2030, 3, 4, 10, 0, tzinfo=ZoneInfo(ZONE))
    meeting = MeetingView(
        uid="bench@voiceapp",
        sequence=0,
        subject="Assemblée générale",
        organizer=Organizer("Marie Curie", "marie@example.com"),
        details="Ordre du jour : comptes, budget, élections.",
        start=start,
        duration=timedelta(minutes=90),
    )
    people = tuple(
        InviteeView(f"Invité n° {n}", f"guest{n:05d}@example.com", ("fr", "es", "en")[n % 3])
        for n in range(count)
    )
    snapshot = Snapshot(
        sender="Pont de conférence <bridge@example.org>",
        now=datetime.now(UTC),
        meeting=meeting,
        dial_in=DialIn((DialInNumber(NUMBER, "fr"),), ROOM, "4321"),
        attendees=people,
        invitations=people,
        confirmation=Confirmation.SCHEDULED,
        organizer_language="fr",
    )
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        made = messages(snapshot)
        timings.append((time.perf_counter() - started) * 1000)
    assert len(made) == count + 1
    return statistics.median(timings)


def report(
    baseline: Result, measured: dict[str, list[Round]], invitees: int, building_ms: float
) -> int:
    print(
        f"\nvoiceapp scheduling benchmark: the Invite & Schedule POST with {invitees} "
        f"invitees, 1 worker, {os.cpu_count()} CPU(s)\n"
    )
    print(f"{'':40}{'p50 ms':>9}{'max ms':>9}{'req/s':>9}  target")
    print(
        f"{'baseline (constant TwiML), under load':40}{baseline.p50_ms:>9.1f}"
        f"{baseline.p99_ms:>9.1f}{baseline.rate:>9.0f}  (p99 in the max column)"
    )
    missed = False
    for backend, rounds in measured.items():
        answers = [r.answer_ms for r in rounds]
        median = statistics.median(answers)
        ok = median < TARGET_MS
        missed = missed or not ok
        verdict = f"< {TARGET_MS:g} ms: " + ("met" if ok else "MISSED")
        print(
            f"{backend + ' schedule POST':40}{median:>9.1f}{max(answers):>9.1f}"
            f"{1000 / median:>9.1f}  {verdict}"
        )
        print(f"{'':40}rounds: {', '.join(f'{a:.0f}' for a in answers)} ms")
        made = statistics.median(r.made_s for r in rounds)
        stall = max(r.stall_ms for r in rounds)
        print(
            f"{'':40}then {invitees + 1} messages in the outbox after {made:.1f} s (median); "
            f"slowest /healthz meanwhile: {stall:.0f} ms"
        )
    print(
        f"\nmaking the {invitees} invitations alone, as the sender does (MIME, HTML, "
        f"iCalendar; no database, no HTTP): {building_ms:.0f} ms"
    )
    return 1 if missed else 0


async def made_and_delivered(backend: str, args: argparse.Namespace) -> list[float]:
    """Seconds one sender (sender.deliver_due, what each worker's loop runs) takes to make
    a booked meeting's messages and deliver them to a local aiosmtpd (bench/outbox.py's,
    in a process of its own), for 3 meetings; each message checked to arrive once."""
    count = args.invitees + 1
    timings = []
    with sink_process() as (port, sink):
        async with fresh_database(backend, args) as database_url:
            await provision(database_url)
            settings = load_settings(
                {
                    "VOICEAPP_DATABASE_URL": database_url,
                    "VOICEAPP_SMTP_URL": f"smtp://127.0.0.1:{port}",
                }
            )
            async with database(database_url):
                organizer = await AdminUser.get(username=ORGANIZER)
                first = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=30)
                for n in range(3):
                    day = (first + timedelta(days=n)).isoformat()
                    booking = MeetingForm(
                        room=ROOM,
                        subject=f"Assemblée générale du {day}",
                        start=f"{day} 10:00",
                        duration=90,
                        time_zone=ZONE,
                        people=guests(args.invitees),
                    )
                    await meetings.create_meeting(organizer, booking, sender=settings.mail_from)
                    started = time.perf_counter()
                    delivered = await deliver_due(settings)
                    timings.append(time.perf_counter() - started)
                    sink.send("count")
                    seen: dict[bytes, int] = sink.recv()
                    once = len(seen) == count and set(seen.values()) == {1}
                    if not once or delivered.made != count or delivered.sent != count:
                        raise RuntimeError(
                            f"made {delivered.made} and sent {delivered.sent} of {count}; the "
                            f"server got {sum(seen.values())} messages, {len(seen)} different"
                        )
    return timings


def report_delivery(baseline: Result, delivered: dict[str, list[float]], invitees: int) -> None:
    print(
        f"\none sender making a booking's {invitees + 1} messages and delivering them "
        "to a local aiosmtpd (in-process, as each worker's loop does):"
    )
    for backend, timings in delivered.items():
        seconds = statistics.median(timings)
        rate = (invitees + 1) / seconds
        print(
            f"{backend:>10}: {seconds:.2f} s (median of {len(timings)}), {rate:.0f} messages/s, "
            f"{rate / baseline.rate:.1%} of the baseline's req/s"
        )


async def main() -> int:
    args = parse_args()
    baseline = await measure_baseline(args)
    backends = [backend.strip() for backend in args.backends.split(",")]
    measured = {backend: await measure_backend(backend, args) for backend in backends}
    code = report(baseline, measured, args.invitees, building_alone(args.invitees))
    delivered = {backend: await made_and_delivered(backend, args) for backend in backends}
    report_delivery(baseline, delivered, args.invitees)
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
