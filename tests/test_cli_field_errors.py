"""The CLI prints every refusal of one command on its one error line."""

from __future__ import annotations

import pytest

from .test_cli import cli_env, provisioned, run

__all__ = ["cli_env", "provisioned"]  # test_cli's fixtures, which pytest finds by name here


def test_every_refusal_on_one_line(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["rooms", "add", "--name", "Support", "--conference-id", "1234"]
    code, out, err = run(capsys, *argv, "--pin", "12", "--capacity", "999")
    assert (code, out) == (1, "")
    assert err == (
        "voiceapp: error: conference ID 1234 is already used by another room | "
        "PIN must be 4 to 12 digits (0-9), no letters or spaces | "
        "capacity must be between 1 and 250 callers, got 999\n"
    )
