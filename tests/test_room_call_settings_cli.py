"""`voiceapp rooms add|update` with what happens during the call: the same options on
both, each pair mutually exclusive, absent = unchanged on update; `rooms list` says which
settings are on and never prints a PIN; every refusal is one line and exit 1."""

from __future__ import annotations

import pytest

from voiceapp.cli import main

from .test_cli import cli_env, provisioned, run

__all__ = ["cli_env", "provisioned"]  # test_cli's fixtures, which pytest finds by name here

OPTIONS = [
    "--host-pin",
    "--no-host-pin",
    "--wait-for-host",
    "--no-wait-for-host",
    "--end-with-host",
    "--no-end-with-host",
    "--tones",
    "--no-tones",
    "--muted-on-entry",
    "--no-muted-on-entry",
    "--record",
    "--no-record",
]
ADD = ["rooms", "add", "--name", "Amphi", "--conference-id", "2222"]


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """`rooms list`: each room's DURING THE CALL column, by conference ID."""
    code, out, err = run(capsys, "rooms", "list")
    assert code == 0, err
    header, *rows = out.splitlines()
    start = header.index("DURING THE CALL")
    return {row.split()[0]: row[start:].strip() for row in rows}


@pytest.mark.parametrize("action", ["add", "update"])
def test_help_lists_every_option_with_its_help(
    action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["rooms", action, "--help"])
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    for pair in zip(OPTIONS[::2], OPTIONS[1::2], strict=True):
        shown = f"[{pair[0]} DIGITS | {pair[1]}]" if pair[0] == "--host-pin" else " | ".join(pair)
        assert shown in " ".join(usage.split()), shown
    described = {line.split()[0] for line in usage.splitlines() if line.startswith("  --")}
    assert set(OPTIONS) <= described


def test_add_with_every_setting_then_list(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*ADD, "--pin", "1111", "--host-pin", "86420", "--wait-for-host", "--end-with-host"]
    code, out, err = run(capsys, *argv, "--no-tones", "--muted-on-entry", "--record")
    assert (code, err) == (0, "")
    assert out == (
        "room 'Amphi': conference ID 2222, PIN set, up to 10 callers, host PIN set, "
        "waits for the host, ends with the host, no tones, joins muted, recorded\n"
    )
    assert listed(capsys) == {
        "1234": "",  # a plain room: nothing to say
        "2222": "host PIN set, waits for the host, ends with the host, no tones, joins muted, "
        "recorded",
    }
    code, out, _ = run(capsys, "rooms", "list")
    assert "86420" not in out and "1111" not in out and "4321" not in out


def test_update_changes_only_what_is_typed(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "rooms", "update", "1234", "--host-pin", "9999", "--record")
    assert (code, err) == (0, "")
    assert (
        out
        == "room 'Ventes': conference ID 1234, PIN set, up to 10 callers, host PIN set, recorded\n"
    )
    assert run(capsys, "rooms", "update", "1234", "--no-tones", "--wait-for-host")[0] == 0
    assert listed(capsys)["1234"] == "host PIN set, waits for the host, no tones, recorded"
    assert run(capsys, "rooms", "update", "1234", "--name", "Ventes Sud")[0] == 0
    assert listed(capsys)["1234"] == "host PIN set, waits for the host, no tones, recorded"
    argv = ["rooms", "update", "1234", "--no-host-pin", "--no-wait-for-host", "--tones"]
    code, out, err = run(capsys, *argv, "--no-record", "--muted-on-entry")
    assert (code, err) == (0, "")
    assert out == "room 'Ventes Sud': conference ID 1234, PIN set, up to 10 callers, joins muted\n"
    assert run(capsys, "rooms", "update", "1234", "--no-muted-on-entry", "--end-with-host")[0] == 0
    assert listed(capsys)["1234"] == "ends with the host"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            [*ADD, "--host-pin", "9999"],
            "set a PIN first: callers to a room without one are never asked for a code, "
            "so none could type the host PIN",
        ),
        (
            [*ADD, "--pin", "5555", "--host-pin", "5555"],
            "the host PIN must be different from the room's PIN",
        ),
        (
            [*ADD, "--pin", "5555", "--host-pin", "55"],
            "host PIN must be 4 to 12 digits (0-9), no letters or spaces",
        ),
        (
            [*ADD, "--pin", "5555", "--wait-for-host"],
            "waiting for the host needs a host PIN: without one nobody is the host, "
            "and callers would wait forever",
        ),
        (
            ["rooms", "update", "1234", "--host-pin", "4321", "--capacity", "0"],
            "capacity must be between 1 and 250 callers, got 0 | "
            "the host PIN must be different from the room's PIN",
        ),
    ],
)
def test_a_refusal_is_one_line_and_exit_1(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    assert run(capsys, *argv) == (1, "", f"voiceapp: error: {error}\n")
    assert listed(capsys) == {"1234": ""}  # nothing added, nothing changed


def test_removing_the_pin_of_a_room_with_a_host_pin(
    provisioned: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "rooms", "update", "1234", "--host-pin", "9999")[0] == 0
    assert run(capsys, "rooms", "update", "1234", "--no-pin") == (
        1,
        "",
        "voiceapp: error: remove the host PIN too, or keep the PIN: callers to a room "
        "without a PIN are never asked for a code\n",
    )
    code, out, _ = run(capsys, "rooms", "update", "1234", "--no-pin", "--no-host-pin")
    assert (code, out) == (0, "room 'Ventes': conference ID 1234, no PIN, up to 10 callers\n")


@pytest.mark.parametrize("action", [ADD, ["rooms", "update", "1234"]])
@pytest.mark.parametrize("pair", list(zip(OPTIONS[::2], OPTIONS[1::2], strict=True)))
def test_both_of_a_pair_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], action: list[str], pair: tuple[str, str]
) -> None:
    typed = [pair[0], "9999", pair[1]] if pair[0] == "--host-pin" else list(pair)
    with pytest.raises(SystemExit) as exited:
        main([*action, *typed])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        f"voiceapp: error: argument {pair[1]}: not allowed with argument {pair[0]}"
    )
