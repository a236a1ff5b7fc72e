"""Replay the attacks voiceapp was found to break under against a real server, and print
which held.

    python -m bench.attacks [--database sqlite|postgres] [--workers N] [--only NAME,...]

Each attack starts `voiceapp serve` (this checkout's code) on a fresh database, on
127.0.0.1 only, provisioned with a conference server, an open room of 5, a room with a
PIN and an admin account; the server is stopped and the database dropped afterwards, even
when the attack fails. Every loop is bounded in count and in time.

  room-cap      callers join and leave the room of 5 while an admin saves the room's
                settings in a loop; then the seat counter must equal the seat rows, and
                10 callers at once must get exactly 5 seats, none refused by the carrier
  big-body      one unsigned body of --body-mb MB of %C3%A9 to POST /voice/incoming: the
                worker's memory growth, signed webhooks sent right behind it, its answer
  login-burst   --logins wrong passwords at once for one admin (limit 5)
  pin-burst     --pins wrong PINs at once to one room from distinct numbers (limit 30)
  slow-clients  --slow-connections connections sending a header byte every 2 s: how many
                are still open after --slow-seconds, and /healthz meanwhile
  sigterm       SIGTERM with 5 uploads stalled halfway: seconds until the server exits
  odd-input     a Range of 4,300 digits, odd admin URLs, a huge CallDuration

Each row says HELD or BROKEN, with the figure measured and the threshold; ERROR when the
attack itself could not be carried out. Exit status 1 unless every row HELD.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable

from bench.attack_input import odd_input
from bench.attack_limits import login_burst, pin_burst, room_cap
from bench.attack_setup import Row, Target, attacked_server
from bench.attack_transport import SIGTERM_LIMIT, big_body, sigterm, slow_clients

Attack = Callable[[Target, argparse.Namespace], Awaitable[list[Row]]]
ATTACKS: dict[str, Attack] = {
    "room-cap": room_cap,
    "big-body": big_body,
    "login-burst": login_burst,
    "pin-burst": pin_burst,
    "slow-clients": slow_clients,
    "sigterm": sigterm,
    "odd-input": odd_input,
}
HEADINGS = ("ATTACK", "MEASURED", "FIGURE", "THRESHOLD", "VERDICT")


def bounded(kind: Callable[[str], float | int], low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number within [low, high], so no run can be made unbounded."""

    def parse(raw: str) -> float:
        value = kind(raw)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}")
        return value

    return parse


def attack_names(raw: str) -> list[str]:
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in ATTACKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown attack {', '.join(unknown) or '(none)'}; choose from {', '.join(ATTACKS)}"
        )
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "VOICEAPP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server to create (and drop) each attack's throwaway database on",
    )
    parser.add_argument(
        "--workers", type=bounded(int, 1, 16), help="default: 4 on PostgreSQL, 1 on SQLite"
    )
    parser.add_argument("--only", type=attack_names, default=list(ATTACKS), help=", ".join(ATTACKS))
    parser.add_argument("--callers", type=bounded(int, 1, 100), default=20)
    parser.add_argument(
        "--rounds", type=bounded(int, 1, 20), default=6, help="joins and leaves per caller"
    )
    parser.add_argument(
        "--max-saves", type=bounded(int, 1, 2000), default=600, help="room saves, each way"
    )
    parser.add_argument("--body-mb", type=bounded(int, 1, 100), default=30)
    parser.add_argument("--logins", type=bounded(int, 1, 200), default=60)
    parser.add_argument("--pins", type=bounded(int, 1, 500), default=150)
    parser.add_argument("--slow-connections", type=bounded(int, 1, 1000), default=300)
    parser.add_argument(
        "--slow-seconds",
        type=bounded(float, 1, 120),
        default=30.0,
        help="make it longer than the server's head deadline (VOICEAPP_HEAD_TIMEOUT)",
    )
    parser.add_argument(
        "--sigterm-wait",
        type=bounded(float, SIGTERM_LIMIT + 0.5, 120),
        default=20.0,
        help="seconds to wait for the server to exit before killing it",
    )
    parser.add_argument(
        "--attack-timeout",
        type=bounded(float, 10, 900),
        default=300.0,
        help="seconds one attack may take, its server's start and stop included",
    )
    args = parser.parse_args(argv)
    if args.workers is None:
        args.workers = 4 if args.database == "postgres" else 1
    if args.database == "sqlite" and args.workers > 1:
        parser.error("SQLite is served by one worker: --workers 1, or --database postgres")
    return args


async def run_attack(name: str, args: argparse.Namespace) -> list[Row]:
    """One attack on its own server; a failure of the attack itself is a row too."""
    try:
        async with asyncio.timeout(args.attack_timeout):
            async with attacked_server(args) as target:
                return await ATTACKS[name](target, args)
    except TimeoutError:
        failure = f"ran past {args.attack_timeout:g} s"
    except Exception as error:
        traceback.print_exc()
        failure = f"{type(error).__name__}: {error}".splitlines()[0][:80]
    return [Row(name, "the attack itself", failure, "runs to the end", None)]


def report(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"\nvoiceapp under attack: {args.database}, {args.workers} worker(s), "
        f"{os.cpu_count()} CPU(s), loopback only\n"
    )
    table = [HEADINGS, *((r.attack, r.measured, r.figure, r.threshold, r.verdict) for r in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADINGS))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    held = sum(1 for row in rows if row.held)
    print(f"\n{held} of {len(rows)} held")


async def main() -> int:
    args = parse_args()
    rows: list[Row] = []
    for name in args.only:
        print(f"attack {name}...", end=" ", file=sys.stderr, flush=True)
        started = time.monotonic()
        rows += await run_attack(name, args)
        print(f"{time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    report(rows, args)
    return 0 if all(row.held for row in rows) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
