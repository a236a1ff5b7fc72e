"""`voiceapp schedule add|list|update|cancel|resend` and `voiceapp calendar url|revoke`,
on SQLite and PostgreSQL: the ID first, one-line errors with exit 1, and two `schedule
add` processes booking one slot at the same moment: one wins."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from voiceapp.cli import build_parser, main
from voiceapp.core.settings import get_settings

from .scheduling_kit import PASSWORD

Capture = pytest.CaptureFixture[str]
ADD = [
    "schedule",
    "add",
    "--organizer",
    "marie",
    "--room",
    "1234",
    "--subject",
    "Revue d'équipe",
    "--duration",
    "60",
    "--timezone",
    "Europe/Paris",
]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: Capture, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, ""), err
    return out


@pytest.fixture
def office(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> Iterator[dict[str, str]]:
    """A bridge with room 1234 (3 callers), the organizer marie (fr) and her contact Ana
    (es) in the group Partners, all made through the CLI."""
    env = {
        "VOICEAPP_DATABASE_URL": migrated_database_url,
        "VOICEAPP_PUBLIC_URL": "https://voice.example.test",
        "TWILIO_AUTH_TOKEN": "cli-test-token",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", _Lines(PASSWORD))
    for argv in (
        ["bridge", "setup", "--extension", "800", "--language", "fr"],
        ["numbers", "add", "+33180000001", "--extension", "800", "--language", "fr"],
        ["rooms", "add", "--name", "Ventes", "--conference-id", "1234", "--capacity", "3"],
        [
            *("admin", "create-user", "marie", "--password-stdin", "--role", "organizer"),
            *("--email", "marie@example.com", "--language", "fr", "--name", "Marie Curie"),
        ],
        [
            *("contacts", "add", "--owner", "marie", "--name", "Ana Ruiz"),
            *("--email", "ana@example.com", "--language", "es"),
        ],
        ["groups", "add", "--owner", "marie", "--name", "Partners", "--member", "ana@example.com"],
    ):
        ok(capsys, *argv)
    yield env
    get_settings.cache_clear()


class _Lines:
    """Standard input holding one line (the password), for --password-stdin."""

    def __init__(self, line: str) -> None:
        self.line = line + "\n"

    def readline(self) -> str:
        return self.line

    def isatty(self) -> bool:
        return False


def test_add_list_update_cancel(office: dict[str, str], capsys: Capture) -> None:
    out = ok(
        capsys,
        *ADD,
        "--start",
        "2027-03-15 10:00",
        "--invite",
        "Bob Martin <bob@example.com>",
        "--group",
        "Partners",
        "--repeat",
        "weekly",
        "--count",
        "4",
    )
    meeting_id = out.split()[0]
    assert meeting_id.isdigit()
    assert out == (
        f'{meeting_id} booked: "Revue d\'équipe" in room Ventes (1234), 2027-03-15 10:00 '
        "Europe/Paris, 60 min, weekly on MO x 4; 2 invitation(s) queued\n"
    )
    lines = ok(capsys, "schedule", "list").splitlines()
    assert lines[0].split() == [
        "ID", "NEXT", "ZONE", "MIN", "ROOM", "SUBJECT", "ORGANIZER", "INVITEES", "REPEAT",
    ]  # fmt: skip
    assert lines[1].split()[:5] == [meeting_id, "2027-03-15", "10:00", "+01:00", "Europe/Paris"]
    assert ok(capsys, "schedule", "list", "--organizer", "marie").splitlines() == lines

    out = ok(
        capsys,
        "schedule",
        "update",
        meeting_id,
        "--start",
        "2027-03-16 11:00",
        "--uninvite",
        "bob@example.com",
        "--count",
        "6",
    )
    assert out == (
        f"{meeting_id} updated: changed start, repeat; withdrawn bob@example.com; now "
        '"Revue d\'équipe" in room Ventes (1234), 2027-03-16 11:00 Europe/Paris, 60 min, '
        "weekly on TU x 6\n"
    )
    out = ok(capsys, "schedule", "update", meeting_id, "--subject", "Revue d'équipe")
    assert out.startswith(f"{meeting_id} unchanged: ")
    out = ok(capsys, "schedule", "resend", meeting_id, "--to", "ana@example.com")
    assert out == "invitation to ana@example.com queued again\n"
    out = ok(capsys, "schedule", "cancel", meeting_id)
    assert out == f'{meeting_id} cancelled: "Revue d\'équipe"; 1 invitee(s) told\n'
    assert ok(capsys, "schedule", "list") == "no upcoming meetings\n"
    code, _, err = run(capsys, "schedule", "cancel", meeting_id)
    assert (code, err) == (
        1,
        "voiceapp: error: this meeting is cancelled: it can no longer change\n",
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--start", "2027-03-28 02:30"],
            "2027-03-28 02:30 does not exist in Europe/Paris: the clocks skip that hour when "
            "they go forward; choose another time",
        ),
        (
            ["--start", "2027-10-31 02:30"],
            "2027-10-31 02:30 happens twice in Europe/Paris, when the clocks go back (at "
            "UTC+02:00, then at UTC+01:00): choose the first or the second "
            "(--fold first or --fold second)",
        ),
        (["--start", "2020-01-06 10:00"], "the start is in the past: choose a later date or time"),
        (
            ["--start", "2027-03-15 10:00", "--duration", "721"],
            "a meeting lasts 5 minutes to 12 hours (720 minutes), not 721 minutes",
        ),
        (
            ["--start", "2027-03-15 10:00", "--timezone", "Mars/Olympus"],
            "'Mars/Olympus' is not a time zone name; choose one from the list, e.g. Europe/Paris",
        ),
        (
            [
                "--start",
                "2027-03-15 10:00",
                *("--invite", "a@x.org", "--invite", "b@x.org"),
                "--invite",
                "c@x.org",
            ],
            "room Ventes holds 3 callers: 3 invitees and the organizer do not fit; choose a "
            "larger room or invite fewer people",
        ),
        (
            ["--start", "2027-03-15 10:00", "--repeat", "daily", "--until", "2031-12-31"],
            "a series has at most 999 meetings: choose an earlier last date or a number of "
            "meetings",
        ),
        (
            ["--start", "2027-03-15 10:00", "--organizer", "nobody"],
            "there is no account named 'nobody'",
        ),
    ],
)
def test_each_rule_is_one_line_and_exit_1(
    office: dict[str, str], capsys: Capture, extra: list[str], message: str
) -> None:
    code, out, err = run(capsys, *ADD, *extra)
    assert (code, out, err) == (1, "", f"voiceapp: error: {message}\n")


def test_the_fold_option_picks_the_repeated_hour(office: dict[str, str], capsys: Capture) -> None:
    out = ok(capsys, *ADD, "--start", "2027-10-31 02:30", "--fold", "second")
    assert "2027-10-31 02:30 Europe/Paris" in out
    # The list says which of the two 02:30s: the second, after the clocks went back.
    listed = ok(capsys, "schedule", "list").splitlines()[1]
    assert "2027-10-31 02:30 +01:00  Europe/Paris" in listed


def test_an_overlap_names_the_other_meeting(office: dict[str, str], capsys: Capture) -> None:
    ok(capsys, *ADD, "--start", "2027-03-15 10:00", "--subject", "Budget")
    code, _, err = run(capsys, *ADD, "--start", "2027-03-15 10:30")
    assert (code, err) == (
        1,
        "voiceapp: error: room Ventes is already booked then: 'Budget', organized by Marie "
        "Curie, 2027-03-15 10:00 to 11:00 (Europe/Paris); choose another time or room\n",
    )


@asynccontextmanager
async def room_held(database_url: str) -> AsyncIterator[None]:
    """Another booking of room 1234 in progress, as the booking code takes it: the
    database's write lock on SQLite, the room's row lock on PostgreSQL."""
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.removeprefix("sqlite://"), isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")
            db.close()
        return
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        async with connection.transaction():
            await connection.execute("SELECT id FROM room WHERE conference_id = '1234' FOR UPDATE")
            yield
    finally:
        await connection.close()


async def until_both_wait(database_url: str) -> None:
    """Until both processes are stuck behind `room_held` (PostgreSQL shows it; on SQLite,
    time for them to start and get there)."""
    if database_url.startswith("sqlite"):
        await asyncio.sleep(3)
        return
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        for _ in range(300):
            waiting = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if waiting == 2:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the two bookings never reached the room's lock")
    finally:
        await connection.close()


async def test_two_processes_booking_one_slot_one_wins(
    office: dict[str, str], migrated_database_url: str
) -> None:
    """Two `voiceapp schedule add` processes for overlapping times, let go at the same
    moment from behind another booking of the room: one books, the other is told the room
    is taken. Without the lock (tried), PostgreSQL booked both and SQLite failed them
    with "database is locked"."""
    env = {**os.environ, **office}
    for day in (15, 16):
        async with room_held(migrated_database_url):
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "voiceapp",
                    *ADD,
                    "--start",
                    f"2027-03-{day} {time}",
                    env=env,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                for time in ("10:00", "10:30")
            ]
            await until_both_wait(migrated_database_url)
        results = []
        for process in processes:
            out, err = await asyncio.wait_for(process.communicate(), timeout=60)
            results.append((process.returncode, out.decode(), err.decode()))
        assert sorted(code for code, _, _ in results) == [0, 1], results
        (loser,) = [err for code, _, err in results if code == 1]
        assert "is already booked then" in loser, loser


def test_calendar_url_is_shown_once_and_rotated(office: dict[str, str], capsys: Capture) -> None:
    url = ok(capsys, "calendar", "url", "marie").strip()
    assert url.startswith("https://voice.example.test/calendar/") and url.endswith(".ics")
    code, _, err = run(capsys, "calendar", "url", "marie")
    assert code == 1 and "add --rotate for a new one" in err
    rotated = ok(capsys, "calendar", "url", "marie", "--rotate").strip()
    assert rotated != url
    out = ok(capsys, "calendar", "revoke", "marie")
    assert out == "calendar feed of 'marie' turned off: its URL answers 404\n"


def test_every_option_has_help() -> None:
    parser = build_parser()
    for group in ("schedule", "calendar"):
        actions = subparsers(subparsers(parser)[group])
        assert actions, group
        for name, action_parser in actions.items():
            for option in action_parser._actions:  # argparse has no public list of them
                assert option.help, f"voiceapp {group} {name} {option.option_strings}"


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
