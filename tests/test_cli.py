"""The voiceapp command: provisioning as the public contract says, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import voiceapp
from voiceapp.cli import main
from voiceapp.core import names
from voiceapp.core.settings import get_settings

from .conftest import DatabaseTemplates

REPO = Path(__file__).resolve().parent.parent
MIGRATE_FIRST = "voiceapp: error: the database is not migrated yet: run 'voiceapp migrate' first\n"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    env = {
        "VOICEAPP_DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "TWILIO_AUTH_TOKEN": "cli-test-token",
        "VOICEAPP_PUBLIC_URL": "http://127.0.0.1:8000",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def migrated_copy(cli_env: dict[str, str], templates: DatabaseTemplates) -> None:
    """The database of `cli_env`, as `voiceapp migrate` makes it: a copy of the run's
    migrated template (tests/test_database_templates.py), in place of the command's
    1.5 s per test; test_migrate_is_idempotent runs the command itself."""
    templates.copy_sqlite_now(Path(cli_env["VOICEAPP_DATABASE_URL"].removeprefix("sqlite://")))


@pytest.fixture
def provisioned(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    database_templates: DatabaseTemplates,
) -> dict[str, str]:
    migrated_copy(cli_env, database_templates)
    for argv in (
        ["bridge", "setup", "--extension", "800", "--language", "fr"],
        ["numbers", "add", "+33 1 80 00 00 01", "--extension", "800", "--language", "fr"],
        ["rooms", "add", "--name", "Ventes", "--conference-id", "1234", "--pin", "4321"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 0, err
    return cli_env


MIGRATIONS = Path(voiceapp.__file__).parent / "migrations"


def test_migrate_is_idempotent(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    shipped = sorted(path.stem for path in MIGRATIONS.glob("0*.py"))
    assert run(capsys, "migrate")[:2] == (
        0,
        "".join(f"applied voiceapp.{name}\n" for name in shipped),
    )
    assert run(capsys, "migrate")[:2] == (0, "database is up to date\n")


def test_numbers_are_normalised_and_listed(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "numbers", "list")
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.split() == ["NUMBER", "EXTENSION", "DESTINATION", "LANGUAGE"]
    assert row.split() == ["+33180000001", "800", "conference", "server", "fr"]


def test_rooms_update_and_remove(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "rooms",
        "update",
        "1234",
        "--new-conference-id",
        "4444",
        "--no-pin",
        "--capacity",
        "5",
    )
    assert code == 0, err
    assert out == "room 'Ventes': conference ID 4444, no PIN, up to 5 callers\n"
    code, out, _ = run(capsys, "rooms", "list")
    assert out.strip().splitlines()[1].split() == ["4444", "Ventes", "no", "0/5"]
    assert run(capsys, "rooms", "remove", "4444")[0] == 0
    assert "no rooms yet" in run(capsys, "rooms", "list")[1]


def test_numbers_remove(provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "numbers", "remove", "+33180000001")[:2] == (0, "removed +33180000001\n")
    code, _, err = run(capsys, "numbers", "remove", "+33180000001")
    assert code == 1
    assert err == "voiceapp: error: +33180000001 is not one of our numbers\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["rooms", "add", "--name", "B", "--conference-id", "1234"],
            "conference ID 1234 is already used",
        ),
        (
            ["rooms", "add", "--name", "B", "--conference-id", "2222", "--pin", "12ab"],
            "PIN must be 4 to 12 digits",
        ),
        (
            ["rooms", "add", "--name", "B", "--conference-id", "12x"],
            "conference ID must be 3 to 12 digits",
        ),
        (
            ["rooms", "add", "--name", "B", "--conference-id", "2222", "--capacity", "251"],
            "capacity must be between 1 and 250",
        ),
        (
            ["rooms", "add", "--name", "B", "--conference-id", "2222", "--capacity", "ten"],
            "capacity must be a whole number",
        ),
        (["rooms", "update", "9999", "--name", "X"], "there is no room with conference ID 9999"),
        (["numbers", "add", "+33180000002", "--extension", "801"], "there is no extension 801"),
        (["numbers", "add", "+331", "--extension", "800"], "is not a phone number"),
        (["numbers", "add", "0180000002", "--extension", "800"], "is not a phone number"),
        (
            ["numbers", "add", "+33180000001", "--extension", "800"],
            "+33180000001 is already mapped",
        ),
        (
            ["numbers", "add", "+33180000002", "--extension", "800", "--language", "de"],
            "language must be one of fr, es",
        ),
        (
            ["bridge", "remove"],
            "delete its rooms first: Ventes (1234); "
            "map these numbers elsewhere first: +33180000001",
        ),
        (["call", "--to", "+33180000001", "--digits", "12a#"], "--digits takes keypad keys"),
    ],
)
def test_bad_input_is_one_line_error(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert err.startswith("voiceapp: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_eleventh_room_is_refused(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(9):
        assert run(capsys, "rooms", "add", "--name", f"R{n}", "--conference-id", f"70{n}")[0] == 0
    code, _, err = run(capsys, "rooms", "add", "--name", "R10", "--conference-id", "999")
    assert code == 1
    assert "already has 10 rooms" in err


def test_call_on_an_unmigrated_database_says_migrate(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "call", "--to", "+33180000001")
    assert (code, out) == (1, "")
    assert err == MIGRATE_FIRST


def test_unmigrated_database_says_migrate(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "rooms", "list")
    assert code == 1
    assert err == MIGRATE_FIRST


def test_serve_refuses_workers_on_sqlite(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "serve", "--workers", "4")
    assert code == 1
    assert "SQLite is single-process" in err


def test_call_through_the_emulator_joins_the_room(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "call", "--to", "+33180000001", "--digits", "1234#", "--digits", "4321#"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "☎ calling +33180000001 from +33612345678"
    assert "☎ 1234#" in lines and "☎ 4321#" in lines
    assert any(line.startswith("☰ in conference voiceapp-room-") for line in lines)
    assert lines[-1] == "✆ call ended"


def test_real_process_prints_no_traceback(provisioned: dict[str, str]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "voiceapp",
            "rooms",
            "add",
            "--name",
            "X",
            "--conference-id",
            "1234",
        ],
        cwd=REPO,
        env={**provisioned, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == "voiceapp: error: conference ID 1234 is already used by another room\n"


def test_value_too_long_for_its_column_is_a_one_line_error(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A domain check looser than its column (here the 100-character room name) lets the
    # ORM's own validation refuse the value: that must not end in a traceback.
    monkeypatch.setattr(names, "NAME_MAX", 200)
    name = "x" * 150
    code, out, err = run(capsys, "rooms", "add", "--name", name, "--conference-id", "4321")
    assert code == 1
    assert out == ""
    assert err.startswith("voiceapp: error: value refused by the database: name: Length of ")
    assert err.endswith(" 150 > 100\n")
    assert err.count("\n") == 1
