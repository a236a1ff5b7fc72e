"""The CLI's own usage: every option explained, every usage error one line and exit 1."""

from __future__ import annotations

import argparse
import importlib.abc
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceapp import console
from voiceapp.cli import build_parser, main
from voiceapp.core.settings import get_settings

from .conftest import DatabaseTemplates


def every_parser(
    parser: argparse.ArgumentParser, path: str = "voiceapp"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_parser(sub, f"{path} {name}")


def test_every_option_and_argument_has_help_text() -> None:
    missing = [
        f"{path} {' '.join(action.option_strings) or action.dest}"
        for path, parser in every_parser(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and not (action.help or "").strip()
    ]
    assert missing == []


def test_every_command_has_a_summary() -> None:
    for path, parser in every_parser(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions if choice.help}
                assert set(action.choices) <= helped, path


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["serve", "--port", "99999"], "argument --port: must be between 1 and 65535, got 99999"),
        (["serve", "--port", "0"], "argument --port: must be between 1 and 65535, got 0"),
        (["serve", "--port", "http"], "argument --port: must be a whole number, got 'http'"),
        ([], "the following arguments are required: COMMAND"),
        (["dial"], "argument COMMAND: invalid choice: 'dial'"),
        (["rooms", "add", "--name", "Ventes"], "required: --conference-id"),
        (["serve", "--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_1(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("voiceapp: error: ")
    assert says in lines[0]


def test_help_still_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    assert "1 to 65535" in capsys.readouterr().out


def test_an_unknown_option_points_to_the_help_of_the_command_typed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--prot", "8812"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "voiceapp: error: unrecognized arguments: --prot 8812 (see voiceapp serve --help)\n"
    )


def test_a_port_already_taken_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VOICEAPP_DATABASE_URL", f"sqlite://{tmp_path / 'v.sqlite3'}")
    get_settings.cache_clear()
    assert main(["migrate"]) == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        capsys.readouterr()
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err == f"voiceapp: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    get_settings.cache_clear()


def test_a_reader_that_leaves_early_is_not_a_database_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_templates: DatabaseTemplates,
) -> None:
    url = database_templates.copy_sqlite_now(tmp_path / "v.sqlite3")
    env = {**os.environ, "VOICEAPP_DATABASE_URL": url}
    monkeypatch.setenv("VOICEAPP_DATABASE_URL", url)
    get_settings.cache_clear()
    for args in (
        ["bridge", "setup", "--extension", "800"],
        ["rooms", "add", "--name", "Ventes", "--conference-id", "1234"],
    ):
        assert main(args) == 0, capsys.readouterr().err
    get_settings.cache_clear()
    run = [sys.executable, "-m", "voiceapp"]
    # The reader is gone before the table is written (`voiceapp rooms list | true`): the
    # interpreter takes a second to start, the pipe is closed at once.
    listing = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [*run, "rooms", "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert listing.stdout is not None
    listing.stdout.close()
    _, err = listing.communicate(timeout=60)
    assert listing.returncode == 141
    assert err == b""


def test_call_url_with_no_database_here_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "voiceapp.sqlite3"
    monkeypatch.setenv("VOICEAPP_DATABASE_URL", f"sqlite://{missing}")
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    get_settings.cache_clear()
    assert main(["call", "--url", "http://127.0.0.1:9", "--to", "+33180000001"]) == 1
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()
    get_settings.cache_clear()


class InterruptedWhileLoading(importlib.abc.MetaPathFinder):
    """Ctrl-C as Python loads voiceapp.cli (the second or so before cli.main runs)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "voiceapp.cli":
            raise KeyboardInterrupt


def test_ctrl_c_while_the_command_loads_is_status_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "voiceapp.cli")
    monkeypatch.setattr(sys, "meta_path", [InterruptedWhileLoading(), *sys.meta_path])
    assert console.run() == 130  # and nothing raised: no traceback
