"""`voiceapp admin create-user` and `set-password`: admin accounts, from the command line."""

from __future__ import annotations

import asyncio
import getpass
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from voiceapp.cli import main
from voiceapp.commands.admin import read_password
from voiceapp.core.db import database, tortoise_config
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import AdminUser
from voiceapp.core.settings import get_settings

from ..conftest import DatabaseTemplates
from .conftest import run_voiceapp


def command_process(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`voiceapp` in a process of its own, on the database at `db`."""
    env = {**os.environ, "VOICEAPP_DATABASE_URL": f"sqlite://{db}"}
    env.pop("VOICEAPP_SECRET_KEY", None)
    return run_voiceapp(env, *args, stdin=stdin)


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


Voiceapp = Callable[..., Done]


@pytest.fixture
def voiceapp(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Voiceapp]:
    """`voiceapp` run as its entry point runs it (cli.main), in this process: what it
    prints and its exit status are the command's, without 1.5 s of starting Python for
    each (test_create_user_from_stdin_stores_an_argon2id_hash starts the real one)."""
    monkeypatch.delenv("VOICEAPP_SECRET_KEY", raising=False)

    def run(db: Path, *args: str, stdin: str = "") -> Done:
        monkeypatch.setenv("VOICEAPP_DATABASE_URL", f"sqlite://{db}")
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        get_settings.cache_clear()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Done(code, out, err)

    yield run
    get_settings.cache_clear()


@pytest.fixture
def db(tmp_path: Path, database_templates: DatabaseTemplates) -> Path:
    """A migrated SQLite database, as `voiceapp migrate` makes it (a copy of the run's)."""
    path = tmp_path / "cli.sqlite3"
    database_templates.copy_sqlite_now(path)
    return path


async def stored_hash(db: Path, username: str) -> str:
    async with database(f"sqlite://{db}"):
        return (await AdminUser.get(username=username)).password_hash


async def stored_account(db: Path, username: str) -> AdminUser:
    async with database(f"sqlite://{db}"):
        return await AdminUser.get(username=username)


def test_create_user_from_stdin_stores_an_argon2id_hash(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    assert command_process(db, "migrate").returncode == 0
    password = "a long enough password"
    done = command_process(
        db, "admin", "create-user", "alice", "--password-stdin", stdin=password + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("created admin 'alice'")
    # The pages are on without VOICEAPP_SECRET_KEY now (the server keeps its own key).
    assert "VOICEAPP_SECRET_KEY" not in done.stdout
    assert password not in done.stdout + done.stderr
    stored = asyncio.run(stored_hash(db, "alice"))
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, password)


def test_create_user_errors_are_one_line_and_fail(db: Path, voiceapp: Voiceapp) -> None:
    short = voiceapp(db, "admin", "create-user", "alice", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert short.stderr == "voiceapp: error: password must be at least 10 characters\n"
    good = "a long enough password\n"
    assert (
        voiceapp(db, "admin", "create-user", "alice", "--password-stdin", stdin=good).returncode
        == 0
    )
    again = voiceapp(db, "admin", "create-user", "alice", "--password-stdin", stdin=good)
    assert again.returncode == 1
    assert again.stderr == "voiceapp: error: there is already an admin named 'alice'\n"
    bad_name = voiceapp(db, "admin", "create-user", "al ice", "--password-stdin", stdin=good)
    assert bad_name.returncode == 1
    assert "username must be" in bad_name.stderr
    no_terminal = voiceapp(db, "admin", "create-user", "bob", stdin=good)
    assert no_terminal.returncode == 1
    assert "use --password-stdin" in no_terminal.stderr


def test_interactive_password_is_asked_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["first password", "first password"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))
    assert read_password(from_stdin=False) == "first password"
    answers = iter(["first password", "second password"])
    with pytest.raises(InvalidInput, match="the two passwords differ"):
        read_password(from_stdin=False)


def test_the_account_is_checked_before_the_password_is_asked_for(
    db: Path, voiceapp: Voiceapp
) -> None:
    """No one types a new password twice only to learn the name was wrong: without
    --password-stdin the name's error comes first, before the no-terminal one."""
    unknown = voiceapp(db, "admin", "set-password", "bob")
    assert unknown.stderr == "voiceapp: error: there is no admin named 'bob'\n"
    voiceapp(db, "admin", "create-user", "alice", "--password-stdin", stdin="a long password\n")
    taken = voiceapp(db, "admin", "create-user", "alice")
    assert taken.stderr == "voiceapp: error: there is already an admin named 'alice'\n"
    assert unknown.returncode == taken.returncode == 1


def test_set_password_from_stdin_replaces_the_password_and_ends_the_sessions(
    db: Path, voiceapp: Voiceapp
) -> None:
    old, new = "the first long password", "the second long password"
    voiceapp(db, "admin", "create-user", "alice", "--password-stdin", stdin=old + "\n")
    done = voiceapp(db, "admin", "set-password", "alice", "--password-stdin", stdin=new + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "changed the password of admin 'alice'; their sessions are ended\n"
    assert new not in done.stdout + done.stderr
    account = asyncio.run(stored_account(db, "alice"))
    assert account.session_epoch == 1
    assert account.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(account.password_hash, new)
    with pytest.raises(VerificationError):
        PasswordHasher().verify(account.password_hash, old)


def test_set_password_errors_are_one_line_and_fail(db: Path, voiceapp: Voiceapp) -> None:
    good = "a long enough password\n"
    unknown = voiceapp(db, "admin", "set-password", "bob", "--password-stdin", stdin=good)
    assert unknown.returncode == 1
    assert unknown.stderr == "voiceapp: error: there is no admin named 'bob'\n"
    assert unknown.stdout == ""
    voiceapp(db, "admin", "create-user", "alice", "--password-stdin", stdin=good)
    short = voiceapp(db, "admin", "set-password", "alice", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert short.stderr == "voiceapp: error: password must be at least 10 characters\n"
    no_terminal = voiceapp(db, "admin", "set-password", "alice", stdin=good)
    assert no_terminal.returncode == 1
    assert "use --password-stdin" in no_terminal.stderr
    assert asyncio.run(stored_account(db, "alice")).session_epoch == 0  # nothing changed


async def migrate_to_0001(db: Path) -> None:
    try:
        await migrate(config=tortoise_config(f"sqlite://{db}"), target="voiceapp.0001_initial")
    finally:
        await Tortoise.close_connections()


def test_an_upgrade_not_migrated_yet_says_to_migrate(tmp_path: Path, voiceapp: Voiceapp) -> None:
    """New code on a database without the session generation column yet."""
    db = tmp_path / "cli.sqlite3"
    asyncio.run(migrate_to_0001(db))
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(
            "INSERT INTO admin_user (username, password_hash, created_at) "
            "VALUES ('alice', 'not-a-real-hash', CURRENT_TIMESTAMP)"
        )
    good = "a long enough password\n"
    for action, name in (("create-user", "bob"), ("set-password", "alice")):
        done = voiceapp(db, "admin", action, name, "--password-stdin", stdin=good)
        assert done.returncode == 1
        assert done.stderr == (
            "voiceapp: error: the database is not migrated yet: run 'voiceapp migrate' first\n"
        )
