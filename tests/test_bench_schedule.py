"""bench/schedule.py still runs end to end: a real server, the schedule page posted with
many invitees, the meeting and its mail checked. Figures are not asserted (the suite
loads this machine meanwhile); the report's rows are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^(?P<name>\S.+?)\s+(?P<p50>[\d.]+)\s+(?P<max>[\d.]+)\s+(?P<rate>[\d.]+)\s")


@pytest.mark.slow
@pytest.mark.heavy
def test_the_scheduling_benchmark_books_and_reports() -> None:
    backends = "sqlite,postgres" if POSTGRES_URL else "sqlite"
    done = subprocess.run(  # noqa: S603 (our own script)
        [
            sys.executable,
            *("-m", "bench.schedule", "--invitees", "40", "--rounds", "1"),
            *("--duration", "1", "--warmup", "0.3", "--connections", "10"),
            *("--tool", "python", "--backends", backends),
            *("--requests", "2000", "--warmup-requests", "1000"),
        ],
        cwd=ROOT,
        env={**os.environ, "VOICEAPP_TEST_POSTGRES_URL": POSTGRES_URL},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # Exit status 1 only says the target was missed, which a busy test machine may do;
    # a meeting or mail not as it should be raises (another status).
    assert done.returncode in (0, 1), done.stderr
    rows = [m["name"].strip() for m in map(ROW.match, done.stdout.splitlines()) if m]
    expected = ["baseline (constant TwiML), under load"]
    expected += [f"{backend} schedule POST" for backend in backends.split(",")]
    assert rows == expected, done.stdout
    assert done.stdout.count("then 41 messages in the outbox") == len(backends.split(","))
