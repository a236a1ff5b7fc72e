"""`voiceapp live ...`: the Live page's controls from the command line, against the REST
test double (run in a thread of its own: the command runs its own event loop)."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from voiceapp.carrier import accounts
from voiceapp.cli import main
from voiceapp.core import server_secrets
from voiceapp.core.db import database
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.core.settings import Settings, get_settings

from .carrier_double import ACCOUNT_SID, CarrierDouble, carrier_double
from .conftest import AUTH_TOKEN, PUBLIC_URL
from .test_live_controls import CONFERENCE, PARTICIPANTS, in_conference, make_room, seat_in

Capture = pytest.CaptureFixture[str]
T = TypeVar("T")


@pytest.fixture
def double() -> Iterator[CarrierDouble]:
    """The REST double, serving from its own thread and event loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    running: list[CarrierDouble] = []
    stop = asyncio.Event()

    async def serve() -> None:
        async with carrier_double() as started:
            running.append(started)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the carrier double did not start"
    yield running[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


@pytest.fixture
def cli(
    settings: Settings, double: CarrierDouble, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The command, on the test's migrated database, its carrier account the double's.
    Yields the database URL, to look at what the commands did."""
    for name, value in {
        "VOICEAPP_DATABASE_URL": settings.database_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "VOICEAPP_CARRIER_API_URL": double.base_url,
        "VOICEAPP_PUBLIC_URL": PUBLIC_URL,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield settings.database_url
    get_settings.cache_clear()


def in_db(url: str, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        async with database(url):
            return await work()

    return asyncio.run(run())


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(""))
        try:
            code = main(list(argv))
        except SystemExit as exited:  # argparse's usage errors
            code = int(exited.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys: Capture, *argv: str) -> str:
    """The one line a refused command prints; asserts exit 1 and nothing on stdout."""
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, ""), (code, out, err)
    assert err.count("\n") == 1 and err.startswith("voiceapp: error: "), err
    return err.removeprefix("voiceapp: error: ").rstrip("\n")


def ok(capsys: Capture, *argv: str) -> str:
    code, out, err = run(capsys, "live", *argv)
    assert (code, err) == (0, ""), (code, out, err)
    return out


@pytest.fixture
def room_in_use(cli: str, double: CarrierDouble) -> list[Seat]:
    """Room 1234 with a host, a caller and a caller out in the keypad menu."""

    async def seed() -> list[Seat]:
        room = await make_room(get_settings())
        return [
            await seat_in(room, 1, "+33612345678", is_host=True),
            await seat_in(room, 2, "+33699000002", muted=True),
            await seat_in(room, 3, "+33699000003", SeatState.IN_MENU),
        ]

    seated = in_db(cli, seed)
    in_conference(double, *seated[:2])
    return seated


def test_list_shows_each_caller_where_they_are(
    cli: str, room_in_use: list[Seat], capsys: Capture
) -> None:
    listed = ok(capsys, "list").splitlines()
    assert listed[0].split() == ["CONFERENCE", "ID", "ROOM", "LOCKED", "CALLER", "WHERE", "FLAGS"]
    assert [" ".join(line.split()) for line in listed[1:]] == [
        "1234 Salle Azur - +33612345678 in the conference host",
        "1234 Salle Azur - +33699000002 in the conference muted",
        "1234 Salle Azur - +33699000003 in the menu -",
    ]
    ok(capsys, "lock", "1234")
    assert " locked " in ok(capsys, "list").splitlines()[1]


def test_list_of_empty_rooms(cli: str, capsys: Capture) -> None:
    assert ok(capsys, "list") == "nobody is in any room\n"


def test_mute_and_unmute_by_the_number_as_typed(
    cli: str, room_in_use: list[Seat], double: CarrierDouble, capsys: Capture
) -> None:
    host = room_in_use[0]
    assert ok(capsys, "mute", "1234", "--caller", "+33 6 12 34 56 78") == (
        "muted +33612345678 in room 1234\n"
    )
    assert [(r.method, r.path, r.form, r.user, r.password) for r in double.requests] == [
        ("POST", f"{PARTICIPANTS}/{host.call_sid}.json", {"Muted": "true"}, ACCOUNT_SID, AUTH_TOKEN)
    ]
    assert in_db(cli, lambda: Seat.get(pk=host.pk)).muted
    assert ok(capsys, "unmute", "1234", "--caller", "+33612345678") == (
        "unmuted +33612345678 in room 1234\n"
    )
    assert double.requests[-1].form == {"Muted": "false"}
    assert not in_db(cli, lambda: Seat.get(pk=host.pk)).muted


def test_kick_removes_the_participant_and_frees_a_seat_the_carrier_lost(
    cli: str, room_in_use: list[Seat], double: CarrierDouble, capsys: Capture
) -> None:
    host, talking, _ = room_in_use
    assert ok(capsys, "kick", "1234", "--caller", "+33 6 99 00 00 02") == (
        "removed +33699000002 from room 1234\n"
    )
    assert [(r.method, r.path) for r in double.requests] == [
        ("DELETE", f"{PARTICIPANTS}/{talking.call_sid}.json")
    ]
    assert in_db(cli, lambda: Seat.get(pk=talking.pk)).state == SeatState.REMOVED
    # The host hung up a moment ago: the carrier no longer has them (404).
    del double.conferences[CONFERENCE][host.call_sid]
    ok(capsys, "kick", "1234", "--caller", "+33612345678")
    assert not in_db(cli, lambda: Seat.exists(pk=host.pk))
    assert in_db(cli, lambda: Room.get(conference_id="1234")).seats_taken == 2


def test_lock_unlock_and_end(
    cli: str, room_in_use: list[Seat], double: CarrierDouble, capsys: Capture
) -> None:
    assert "is locked" in ok(capsys, "lock", "1234")
    assert in_db(cli, lambda: Room.get(conference_id="1234")).locked
    assert ok(capsys, "unlock", "1234") == "room 1234 is unlocked\n"
    assert not in_db(cli, lambda: Room.get(conference_id="1234")).locked
    assert double.requests == []  # a lock is ours: the carrier has none
    assert ok(capsys, "end", "1234") == (
        "ended the conference in room 1234: 3 caller(s) disconnected\n"
    )
    assert [(r.method, r.path, r.form) for r in double.requests] == [
        (
            "POST",
            f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/{CONFERENCE}.json",
            {"Status": "completed"},
        )
    ]


def test_refusals_are_one_line(
    cli: str, room_in_use: list[Seat], double: CarrierDouble, capsys: Capture
) -> None:
    assert fails(capsys, "live", "mute", "9999", "--caller", "+33612345678") == (
        "there is no room with conference ID 9999"
    )
    assert fails(capsys, "live", "kick", "1234", "--caller", "+33 6 00 00 00 09") == (
        "+33 6 00 00 00 09 is not in room 1234"
    )
    assert (
        fails(capsys, "live", "lock", "12")
        == "conference ID must be 3 to 12 digits (0-9), got '12'"
    )
    assert "--caller" in fails(capsys, "live", "mute", "1234")
    assert "is not a phone number" in fails(capsys, "live", "mute", "1234", "--caller", "bob")
    double.token = "not-ours"  # the carrier refuses our credentials: 401
    refused = fails(capsys, "live", "unmute", "1234", "--caller", "+33699000002")
    assert "HTTP 401" in refused and "TWILIO_AUTH_TOKEN" in refused
    assert AUTH_TOKEN not in refused
    assert in_db(cli, lambda: Seat.get(pk=room_in_use[1].pk)).muted  # unchanged


def test_no_carrier_account_is_one_line(
    cli: str, room_in_use: list[Seat], capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    get_settings.cache_clear()
    assert fails(capsys, "live", "end", "1234").startswith("no carrier account is configured")


def test_a_test_call_is_controlled_with_no_carrier_settings_at_all(
    cli: str,
    room_in_use: list[Seat],
    double: CarrierDouble,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quick start: no TWILIO_* set, the calls placed by `voiceapp call --stay`, whose
    emulator checks the token the server keeps in the database, as the server's own
    controls send it. The command sends the same."""
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    get_settings.cache_clear()

    async def emulator_running() -> str:
        await accounts.register_emulator(ACCOUNT_SID, double.base_url)
        return await server_secrets.carrier_token()

    double.token = in_db(cli, emulator_running)
    assert ok(capsys, "mute", "1234", "--caller", "+33612345678") == (
        "muted +33612345678 in room 1234\n"
    )
    assert [(r.user, r.password) for r in double.requests] == [(ACCOUNT_SID, double.token)]
