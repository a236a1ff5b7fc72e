"""voiceapp's webhooks next to a bare Starlette baseline, on SQLite and on PostgreSQL.

    python -m bench.run [--duration 10] [--connections 50] [--backends sqlite,postgres]
                        [--warmup 3] [--tool auto|wrk|python]

It starts each server for real (uvicorn, one worker), replays pre-signed carrier
webhooks with wrk (or a Python client when wrk is not installed) and prints req/s,
p50/p99 latency and the ratio to the baseline for: the baseline (constant TwiML),
POST /voice/incoming for a mapped number (a new CallSid each time: each request is a
new call), and the conference-ID step that reserves a seat (which also writes the call's
record, its first outcome). That step is measured twice: with callers spread over the
bridge's 10 rooms (the default number), which has the target, and with every caller
typing the same room's ID, the worst case, which has none: each seat updates its room's
row, so one room's seats are taken one after another, each waiting for the previous
one's commit (on PostgreSQL, its flush to disk). Each room holds 250 and a sweeper frees
seats every 25 milliseconds, so every request takes a seat (counted from the <Dial>
answers) and none measures the full-room path. Then the keypad menu's round trip (a caller
in the conference presses *, hears the menu, presses # and is back in): each of its four
webhooks, and the round trip they make together (bench.menu_trip).
Exit status 1 when a target is missed or a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import asyncpg

from bench import menu_trip
from bench.load import Result, run_load, wrk_available
from bench.menu_trip import CallerSeats
from voiceapp.conferencing import rooms
from voiceapp.conferencing.replies import CallState
from voiceapp.core.db import database, forget_compiled_sql, is_postgres, migrate, sql_client
from voiceapp.core.models import Room
from voiceapp.core.settings import load_settings
from voiceapp.core.sqlite_inline import run_inline, write_transaction
from voiceapp.emulator.server import free_port, live_server, serve_command
from voiceapp.switchboard import conference_server, numbers
from voiceapp.webhooks.signature import sign
from voiceapp.webhooks.state import state_query, url

BENCH_DIR = Path(__file__).resolve().parent
TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 (a throwaway server's)
NUMBER = "+33180000001"
# The bridge's rooms, as many as a default install may have (VOICEAPP_MAX_ROOMS).
CONFERENCE_IDS = tuple(f"55{n:02d}" for n in range(10))
WARMUP_SECONDS = 3.0
WARMUP_REQUESTS = 6000
WARMUP_OFFSET = 10**9  # the warm-up's requests: CallSids the measurement never uses
# Seconds between sweeps. The sweeper is a second process writing: on SQLite every sweep
# makes the server wait its turn for the write lock, so not more often than needed (at
# 4k reservations/s into one room, 100 of its 250 seats fill between two sweeps).
SWEEP_EVERY = 0.025
# Pre-signed requests for the measurement: this many times what the warm-up's rate
# would send (machines here differ fourfold), and never fewer than the floor.
SIGNED_MARGIN = 1.5
SIGNED_FLOOR = 10_000

INCOMING_TARGET = 0.25
INCOMING_P99_MS = 20.0
RESERVATION_TARGET = 0.10
# The menu's round trip, as the share of the baseline its four webhooks take together:
# like a seat, each is a write (or a read) of the caller's seat, and it happens as often.
MENU_TRIP_TARGET = 0.10
NAME_WIDTH = 38  # the report's first column
UNDER = " " * NAME_WIDTH  # a line under a row, in its figures' columns


@dataclass(frozen=True)
class Measured:
    name: str
    result: Result
    target: float | None = None
    p99_limit_ms: float | None = None
    # Each answer must hold <Dial>: what one that does not failed to do, for the report.
    dials: str | None = None
    note: str | None = None  # printed under the row
    problems: tuple[str, ...] = ()  # found by a check of the answers: printed, and a miss

    def missed(self, baseline: Result) -> list[str]:
        misses = []
        if self.target is not None and self.result.rate < self.target * baseline.rate:
            misses.append(f"below {self.target:.0%} of the baseline")
        if self.p99_limit_ms is not None and self.result.p99_ms >= self.p99_limit_ms:
            misses.append(f"p99 not under {self.p99_limit_ms:g} ms")
        if self.result.failures:
            misses.append(f"{self.result.failures} failed requests")
        if self.problems:
            misses.append("answers not as expected (below)")
        return misses


def signed_requests_options(parser: argparse.ArgumentParser) -> None:
    """How many requests `measure` signs ahead. Fewer only to check that a benchmark runs
    (tests/test_bench.py): each is signed, and the menu's have a seat made for them,
    before the load starts."""
    parser.add_argument(
        "--requests",
        type=int,
        default=SIGNED_FLOOR,
        help="the fewest requests signed for each measurement (more when the warm-up's "
        "rate asks for more)",
    )
    parser.add_argument(
        "--warmup-requests",
        type=int,
        default=WARMUP_REQUESTS,
        help="requests signed for each warm-up",
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--warmup", type=float, default=WARMUP_SECONDS, help="seconds of warm-up before each"
    )
    parser.add_argument("--backends", default="sqlite,postgres")
    signed_requests_options(parser)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "VOICEAPP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server to create the benchmark's throwaway database on",
    )
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    if args.tool == "auto":
        args.tool = "wrk" if wrk_available() else "python"
    return args


def write_requests(
    path: Path, target: str, count: int, params: Callable[[int], dict[str, str]]
) -> Path:
    """`count` requests to `target`, each signed as the carrier would sign it."""
    with path.open("w") as out:
        for i in range(count):
            fields = params(i)
            out.write(f"{sign(TOKEN, target, fields)}\t{urlencode(fields)}\n")
    return path


def call_fields(prefix: str) -> Callable[[int], dict[str, str]]:
    def fields(i: int) -> dict[str, str]:
        return {
            "AccountSid": "AC" + "0" * 32,
            "CallSid": f"CA{prefix}{i:026d}",
            "CallStatus": "in-progress",
            "From": f"+336{i % 100_000_000:08d}",
            "To": NUMBER,
            "Direction": "inbound",
        }

    return fields


def typing_ids(
    fields: Callable[[int], dict[str, str]], conference_ids: tuple[str, ...]
) -> Callable[[int], dict[str, str]]:
    """Each call types one of `conference_ids`, in turn."""
    return lambda i: {**fields(i), "Digits": conference_ids[i % len(conference_ids)] + "#"}


async def measure(
    target_url: str,
    params: Callable[[int], dict[str, str]],
    args: argparse.Namespace,
    ready: Callable[[range], Awaitable[None]] | None = None,
) -> Result:
    """A warm-up, then the measurement, each with its own CallSids. `ready`, if given, is
    awaited before each with the calls (numbers given to `params`) it will replay."""
    with tempfile.TemporaryDirectory(prefix="voiceapp-bench-") as scratch:
        warm = Path(scratch, "warm")
        warm_count = args.warmup_requests
        write_requests(warm, target_url, warm_count, lambda i: params(WARMUP_OFFSET + i))
        if ready is not None:
            await ready(range(WARMUP_OFFSET, WARMUP_OFFSET + warm_count))
        warmed = await run_load(target_url, warm, args.connections, args.warmup, tool=args.tool)
        count = max(args.requests, int(warmed.rate * args.duration * SIGNED_MARGIN))
        timed = write_requests(Path(scratch, "timed"), target_url, count, params)
        if ready is not None:
            await ready(range(count))
        return await run_load(target_url, timed, args.connections, args.duration, tool=args.tool)


def baseline_options(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that prints its figures beside this baseline (the
    outbox's, the schedule page's): where PostgreSQL is, and how the baseline is loaded."""
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "VOICEAPP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server to create the benchmark's throwaway database on",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of baseline load")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of baseline warm-up")
    parser.add_argument("--connections", type=int, default=50, help="baseline connections")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    signed_requests_options(parser)


def parsed_with_tool(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The arguments, with --tool auto made wrk when it is installed, else python."""
    args = parser.parse_args()
    if args.tool == "auto":
        args.tool = "wrk" if wrk_available() else "python"
    return args


async def measure_baseline(args: argparse.Namespace) -> Result:
    port = free_port()
    command = [
        sys.executable,
        *("-m", "uvicorn", "baseline:app", "--app-dir", str(BENCH_DIR)),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]
    async with live_server(command, {}, port) as server:
        return await measure(f"{server.base_url}/twiml", call_fields("B"), args)


@asynccontextmanager
async def fresh_database(backend: str, args: argparse.Namespace) -> AsyncIterator[str]:
    forget_compiled_sql()  # this process may have used the other backend before
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="voiceapp-bench-") as scratch:
            yield f"sqlite://{scratch}/bench.sqlite3"
        return
    name = f"voiceapp_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(args.postgres_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield args.postgres_url.rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def provision(database_url: str) -> None:
    """The bridge, the number, and the rooms, each of the largest capacity."""
    settings = load_settings({"VOICEAPP_DATABASE_URL": database_url})
    await migrate(database_url)
    async with database(database_url):
        await conference_server.setup_bridge("800", "fr")
        await numbers.add_number(NUMBER, "800", "fr")
        for n, conference_id in enumerate(CONFERENCE_IDS, 1):
            await rooms.add_room(
                settings,
                name=f"Bench {n}",
                conference_id=conference_id,
                capacity=settings.max_capacity,
            )


async def free_seats() -> None:
    """Hang every seated caller up at once, as status callbacks would, until cancelled."""
    while True:
        client = sql_client()
        if is_postgres(client):
            # One statement: the rooms' rows are locked for as short a time as the server's.
            await client.execute_query(SWEEP_ON_POSTGRES)
        else:
            # As the server takes seats: inline, trying for the write lock every few ms.
            # Through the ORM, SQLite's busy handler sleeps up to 100 ms between tries and
            # loses the lock to the server again and again: the room fills meanwhile.
            await run_inline(client, sweep_on_sqlite)
        await asyncio.sleep(SWEEP_EVERY)


# Seats taken while it runs are not in its snapshot: it frees, and counts, only its own.
SWEEP_ON_POSTGRES = """
WITH freed AS (DELETE FROM seat RETURNING room_id),
     per_room AS (SELECT room_id, count(*) AS seats FROM freed GROUP BY room_id)
UPDATE room SET seats_taken = seats_taken - per_room.seats
FROM per_room WHERE room.id = per_room.room_id
"""


def sweep_on_sqlite(db: sqlite3.Connection) -> None:
    with write_transaction(db):  # the write lock: no seat is taken meanwhile
        db.execute("DELETE FROM seat")
        db.execute("UPDATE room SET seats_taken = 0")


async def measure_backend(backend: str, args: argparse.Namespace) -> list[Measured]:
    async with fresh_database(backend, args) as database_url:
        await provision(database_url)
        port = free_port()
        env = {
            "VOICEAPP_DATABASE_URL": database_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "VOICEAPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "VOICEAPP_MEDIA_MODE": "say",
            "VOICEAPP_LOG_LEVEL": "WARNING",
        }
        async with live_server(serve_command(port), env, port) as server:
            incoming = await measure(
                url(server.base_url, "/voice/incoming"), call_fields("I"), args
            )
            gather_url = url(server.base_url, "/voice/gather", state_query(CallState()))
            async with database(database_url):
                sweeper = asyncio.create_task(free_seats())
                try:
                    spread = await measure(
                        gather_url, typing_ids(call_fields("R"), CONFERENCE_IDS), args
                    )
                    one_room = await measure(
                        gather_url, typing_ids(call_fields("O"), CONFERENCE_IDS[:1]), args
                    )
                finally:
                    sweeper.cancel()
                    with suppress(asyncio.CancelledError):
                        await sweeper
                # After the sweeper: it would free the menu's callers' seats too.
                menu = await measure_menu_trip(backend, server.base_url, args)
    return [
        Measured(f"{backend:<8} POST /voice/incoming", incoming, INCOMING_TARGET, INCOMING_P99_MS),
        Measured(f"{backend:<8} seat reservation", spread, RESERVATION_TARGET, dials="took a seat"),
        Measured(f"{backend:<8} seat, all in one room", one_room, dials="took a seat"),
        *menu,
    ]


async def measure_menu_trip(
    backend: str, base_url: str, args: argparse.Namespace
) -> list[Measured]:
    """Each webhook of the keypad menu's round trip, then the round trip: one caller's
    four, first, to see each answer and the seat after it (bench.menu_trip)."""
    room = await Room.get(conference_id=CONFERENCE_IDS[0])
    seats = CallerSeats(room, call_fields("M"))
    checked = await menu_trip.check_round_trip(base_url, TOKEN, seats)
    rows = []
    for step in menu_trip.STEPS:

        async def ready(calls: range, step: menu_trip.Step = step) -> None:
            await seats.ready(calls, step.finds)

        def params(i: int, step: menu_trip.Step = step) -> dict[str, str]:
            return step.fields(room, seats.call, i)

        result = await measure(step.target(base_url, room), params, args, ready)
        rejoins = "rejoined the conference" if step.answer_holds == "<Dial" else None
        unchanged = await seats.unchanged(step, result)
        problems = (unchanged,) if unchanged else ()
        name = f"{backend:<8} {step.name}"
        rows.append(Measured(name, result, dials=rejoins, problems=problems))
    trip = menu_trip.round_trip([row.result for row in rows])
    note = f"= {trip.rate / len(rows):.0f} round trips/s (p50, p99: the sums of the steps')"
    name = f"{backend:<8} {menu_trip.TRIP_NAME}"
    rows.append(Measured(name, trip, MENU_TRIP_TARGET, note=note, problems=tuple(checked)))
    return rows


def report(baseline: Result, rows: list[Measured], args: argparse.Namespace) -> int:
    print(
        f"\nvoiceapp benchmark: 1 worker, {args.connections} connections, "
        f"{args.duration:g} s per measurement, load by {args.tool}, {os.cpu_count()} CPU(s)\n"
    )
    print(f"{UNDER}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}  target")
    print(f"{'baseline (constant TwiML)':{NAME_WIDTH}}{baseline.rate:>8.0f}"
          f"{baseline.p50_ms:>9.2f}{baseline.p99_ms:>9.2f}{1:>8.1%}")  # fmt: skip
    missed = baseline.failures > 0
    for row in rows:
        result = row.result
        misses = row.missed(baseline)
        missed = missed or bool(misses)
        targets = [f">= {row.target:.0%}"] if row.target is not None else []
        if row.p99_limit_ms is not None:
            targets.append(f"p99 < {row.p99_limit_ms:g} ms")
        if misses:
            verdict = "MISSED: " + "; ".join(misses)
        else:
            verdict = ", ".join(targets) + ": met" if targets else "(no target)"
        print(
            f"{row.name:{NAME_WIDTH}}{result.rate:>8.0f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
            f"{result.rate / baseline.rate:>8.1%}  {verdict}"
        )
        if row.p99_limit_ms is not None and result.p99_ms >= row.p99_limit_ms:
            # A closed loop: each connection sends its next request when the answer
            # comes, so the mean wait is connections / rate (Little's law) whatever the
            # code does; p99 sits above that by about as much as the baseline's does.
            print(
                f"{UNDER}{args.connections} connections at {result.rate:.0f} req/s wait "
                f"{args.connections / result.rate * 1000:.1f} ms on average (Little's law); "
                f"the baseline's own p99 is {baseline.p99_ms:.1f} ms"
            )
        if row.dials is not None and result.dials < result.requests:
            print(f"{UNDER}only {result.dials} of {result.requests} requests {row.dials}")
            missed = True
        if row.note:
            print(f"{UNDER}{row.note}")
        for problem in row.problems:
            print(f"{UNDER}{problem}")
        if result.wrapped:
            print(f"{UNDER}(pre-signed requests ran out and were replayed)")
    return 1 if missed else 0


async def main() -> int:
    args = parse_args()
    baseline = await measure_baseline(args)
    rows: list[Measured] = []
    for backend in args.backends.split(","):
        rows += await measure_backend(backend.strip(), args)
    return report(baseline, rows, args)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
