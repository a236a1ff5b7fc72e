"""`voiceapp serve --workers N`: refused on SQLite, handed to uvicorn's factory mode otherwise."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from voiceapp.cli import main
from voiceapp.core.settings import get_settings

from .conftest import DatabaseTemplates


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    # `serve` may set VOICEAPP_PUBLIC_URL itself: a monkeypatched value is put back after.
    monkeypatch.setenv("VOICEAPP_PUBLIC_URL", "unset")
    monkeypatch.delenv("VOICEAPP_PUBLIC_URL")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
async def sqlite_url(tmp_path: Path, database_templates: DatabaseTemplates) -> str:
    """A migrated SQLite database: serve refuses an unmigrated one."""
    return await database_templates.copy_sqlite(tmp_path / "voiceapp.sqlite3")


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each uvicorn.run call's arguments, instead of a real server."""
    runs: list[dict[str, Any]] = []

    def record(app: str, **options: Any) -> None:
        runs.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", record)
    return runs


def test_several_workers_on_sqlite_are_refused(
    environment: pytest.MonkeyPatch,
    uvicorn_runs: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", sqlite_url)
    assert main(["serve", "--workers", "2"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("voiceapp: error: SQLite is single-process")
    assert "postgres://" in error
    assert uvicorn_runs == []


def test_zero_workers_is_refused(
    environment: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]]
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/db")
    assert main(["serve", "--workers", "0"]) == 1
    assert uvicorn_runs == []


def test_one_worker_on_sqlite_is_served(
    environment: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]], sqlite_url: str
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", sqlite_url)
    assert main(["serve"]) == 0
    assert [run["workers"] for run in uvicorn_runs] == [1]


def test_workers_on_postgres_use_the_app_factory(
    environment: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]], migrated_postgres_url: str
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", migrated_postgres_url)
    assert main(["serve", "--host", "127.0.0.2", "--port", "9000", "--workers", "4"]) == 0
    (run,) = uvicorn_runs
    # Each worker process imports the factory and builds its own app and database pool.
    assert run["app"] == "voiceapp.app:create_app"
    assert run["factory"] is True
    assert (run["host"], run["port"], run["workers"]) == ("127.0.0.2", 9000, 4)


def test_public_url_defaults_to_the_address_served(
    environment: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]], sqlite_url: str
) -> None:
    """With no VOICEAPP_PUBLIC_URL, the carrier is taken to call this very address, so
    signatures made for `--url http://127.0.0.1:PORT` match."""
    environment.setenv("VOICEAPP_DATABASE_URL", sqlite_url)
    assert main(["serve", "--host", "0.0.0.0", "--port", "9001"]) == 0  # noqa: S104
    assert os.environ["VOICEAPP_PUBLIC_URL"] == "http://127.0.0.1:9001"


def test_a_configured_public_url_is_kept(
    environment: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]], sqlite_url: str
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", sqlite_url)
    environment.setenv("VOICEAPP_PUBLIC_URL", "https://voice.example.com")
    assert main(["serve", "--port", "9001"]) == 0
    assert os.environ["VOICEAPP_PUBLIC_URL"] == "https://voice.example.com"


def test_serving_with_no_admin_prints_a_one_time_setup_link(
    environment: pytest.MonkeyPatch,
    uvicorn_runs: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    sqlite_url: str,
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", sqlite_url)
    environment.delenv("VOICEAPP_SECRET_KEY", raising=False)
    environment.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert main(["serve", "--port", "9002"]) == 0
    out = capsys.readouterr().out
    link = re.search(r"http://127\.0\.0\.1:9002/admin/setup\?token=([A-Za-z0-9_-]{40,})", out)
    assert link is not None, out
    # The admin pages are on: nothing says they are off, and the link is not logged.
    assert "admin pages are off" not in caplog.text
    assert link.group(1) not in caplog.text

    # Served again: a new link, and the old one is dead.
    get_settings.cache_clear()
    environment.delenv("VOICEAPP_PUBLIC_URL")
    assert main(["serve", "--port", "9002"]) == 0
    again = re.search(r"token=([A-Za-z0-9_-]+)", capsys.readouterr().out)
    assert again is not None and again.group(1) != link.group(1)


def test_serving_with_an_admin_prints_no_setup_link(
    environment: pytest.MonkeyPatch,
    uvicorn_runs: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", sqlite_url)
    environment.setattr(sys, "stdin", io.StringIO("correct horse battery staple\n"))
    assert main(["admin", "create-user", "alice", "--password-stdin"]) == 0
    assert main(["serve"]) == 0
    assert "/admin/setup" not in capsys.readouterr().out


def test_an_unmigrated_database_is_refused_in_one_line(
    environment: pytest.MonkeyPatch,
    uvicorn_runs: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    environment.setenv("VOICEAPP_DATABASE_URL", f"sqlite://{tmp_path}/new.sqlite3")
    assert main(["serve"]) == 1
    error = capsys.readouterr().err
    assert (
        error == "voiceapp: error: the database is not migrated yet: run 'voiceapp migrate' first\n"
    )
    assert uvicorn_runs == []
