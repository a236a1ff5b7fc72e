"""`voiceapp extensions ...`, `voiceapp voicemail list` and `voiceapp call --answer`."""

from __future__ import annotations

import pytest

from .test_cli import cli_env, provisioned, run

__all__ = ["cli_env", "provisioned"]  # test_cli's fixtures, which pytest finds by name here

Capture = pytest.CaptureFixture[str]
ALICE = ["extensions", "add", "--extension", "201", "--kind", "user", "--name", "Alice"]


@pytest.fixture
def office(provisioned: dict[str, str], capsys: Capture) -> dict[str, str]:
    """The CLI test bridge (800, room 1234 PIN 4321) plus users 201 and 202, ring group 210,
    the receptionist on 200, and numbers for 201 and 200."""
    for argv in (
        [*ALICE, "--forward-to", "+33612345601"],
        [*ALICE[:3], "202", "--kind", "user", "--name", "B", "--forward-to", "sip:b@pbx.test"],
        [*ALICE[:3], "210", "--kind", "ring-group", "--name", "Ventes", "--members", "201,202"],
        ["extensions", "add", "--extension", "200", "--kind", "receptionist"],
        ["numbers", "add", "+33180000201", "--extension", "201"],
        ["numbers", "add", "+33180000200", "--extension", "200"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 0, err
    return provisioned


def test_add_prints_what_was_made(provisioned: dict[str, str], capsys: Capture) -> None:
    code, out, _ = run(capsys, *ALICE, "--forward-to", "+33 6 12 34 56 01")
    assert (code, out) == (0, "extension 201: user 'Alice' -> +33612345601\n")
    code, out, _ = run(capsys, "extensions", "add", "--extension", "200", "--kind", "receptionist")
    assert (code, out) == (0, "extension 200: receptionist\n")


def test_list_shows_targets_members_and_numbers(office: dict[str, str], capsys: Capture) -> None:
    code, out, _ = run(capsys, "extensions", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["EXTENSION", "KIND", "NAME", "RINGS", "NUMBERS"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["201"] == ["201", "user", "Alice", "+33612345601", "+33180000201"]
    assert rows["202"] == ["202", "user", "B", "sip:b@pbx.test", "-"]
    assert rows["210"] == ["210", "ring-group", "Ventes", "201,202", "-"]
    assert rows["200"][:2] == ["200", "receptionist"]
    assert rows["800"][:2] == ["800", "conference-server"]


def test_update_changes_members_and_target(office: dict[str, str], capsys: Capture) -> None:
    code, out, _ = run(capsys, "extensions", "update", "210", "--members", "202")
    assert (code, out) == (0, "extension 210: ring-group 'Ventes' rings 202\n")
    code, out, _ = run(capsys, "extensions", "update", "201", "--forward-to", "+33612345609")
    assert (code, out) == (0, "extension 201: user 'Alice' -> +33612345609\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["remove", "201"], "extension 201 is still reached by +33180000201"),
        (["remove", "202"], "extension 202 is a member of ring group 210 (Ventes)"),
        (["remove", "800"], "this is the conference server"),
        (["remove", "999"], "there is no extension 999"),
        ([*ALICE[1:], "--forward-to", "+33612345601"], "extension 201 is already in use"),
        (["add", "--extension", "203", "--kind", "user", "--name", "C"], "needs a forwarding"),
        (["add", "--extension", "2x", "--kind", "user"], "extension must be 2 to 6 digits"),
        (["add", "--extension", "203", "--kind", "fax"], "kind must be one of user, ring-group"),
        (["add", "--extension", "211", "--kind", "ring-group", "--name", "G"], "at least one"),
        (
            [
                "add",
                "--extension",
                "211",
                "--kind",
                "ring-group",
                "--name",
                "G",
                "--members",
                "800",
            ],
            "extension 800 is not a user",
        ),
        (["add", "--extension", "209", "--kind", "receptionist"], "already a virtual receptionist"),
        (["update", "200", "--forward-to", "+33612345601"], "only a user extension"),
        (["update", "201", "--forward-to", "+33180000200"], "would loop"),
    ],
)
def test_errors_are_one_line(
    office: dict[str, str], capsys: Capture, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "extensions", *argv)
    assert code == 1
    assert out == ""
    assert err.startswith("voiceapp: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_removed_extension_is_gone(office: dict[str, str], capsys: Capture) -> None:
    assert run(capsys, "extensions", "remove", "210")[:2] == (0, "removed extension 210 (Ventes)\n")
    assert run(capsys, "extensions", "remove", "202")[0] == 0
    _, out, _ = run(capsys, "extensions", "list")
    assert "Ventes" not in out and "sip:b@pbx.test" not in out


def test_call_with_no_answer_leaves_a_listed_voicemail(
    office: dict[str, str], capsys: Capture
) -> None:
    assert run(capsys, "voicemail", "list")[:2] == (0, "no voicemail messages\n")
    code, out, _ = run(
        capsys, "call", "--to", "+33180000201", "--answer", "no-answer", "--message-seconds", "9"
    )
    assert code == 0
    assert "☏ ringing +33612345601 for up to 20 s" in out
    assert "🔊 [fr-FR] Votre correspondant ne répond pas." in out
    assert "● beep; the caller leaves a 9 s message" in out
    assert "🔊 [fr-FR] Votre message a bien été enregistré." in out
    code, out, _ = run(capsys, "voicemail", "list", "--extension", "201")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["RECEIVED", "EXTENSION", "FROM", "LENGTH", "RECORDING"]
    assert row.split()[3:6] == ["201", "+33612345678", "9"]
    assert "/Recordings/RE" in row
    assert run(capsys, "voicemail", "list", "--extension", "210")[1] == "no voicemail messages\n"


def test_call_through_the_receptionist_joins_the_room(
    office: dict[str, str], capsys: Capture
) -> None:
    argv = ["call", "--to", "+33180000200", "--digits", "800#", "--digits", "1234#"]
    code, out, _ = run(capsys, *argv, "--digits", "4321#")
    assert code == 0
    assert "☎ 800#" in out
    assert "🔊 [fr-FR] Veuillez patienter, nous transférons votre appel." in out
    assert "☰ in conference voiceapp-room-1 with 1 caller(s)" in out
    assert "☏" not in out


def test_call_answer_must_be_a_known_outcome(office: dict[str, str], capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, "call", "--to", "+33180000201", "--answer", "maybe")
    assert exited.value.code == 1
    assert "invalid choice: 'maybe'" in capsys.readouterr().err
