"""`voiceapp outbox list|show|send`, run as the command runs (SQLite file, real SMTP)."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import pytest

from voiceapp.core.db import database
from voiceapp.core.settings import get_settings
from voiceapp.mail import outbox

from .conftest import DatabaseTemplates
from .mail_server import PASSWORD, MailServer
from .test_cli import cli_env, migrated_copy, run

__all__ = ["cli_env"]  # test_cli's fixture, which pytest finds by name here

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def migrated(cli_env: dict[str, str], database_templates: DatabaseTemplates) -> dict[str, str]:
    migrated_copy(cli_env, database_templates)
    return cli_env


def queue(database_url: str, *recipients: str) -> None:
    async def write() -> None:
        async with database(database_url):
            for to in recipients:
                message = EmailMessage()
                message["To"] = to
                message["Subject"] = f"Réunion pour {to.split('@')[0]}"
                message.set_content("Bonjour à tous\n")
                await outbox.queue(message)

    asyncio.run(write())


def use_smtp(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("VOICEAPP_SMTP_URL", url)
    get_settings.cache_clear()


def test_send_without_smtp_says_so_in_one_line(migrated: dict[str, str], capsys: Capture) -> None:
    queue(migrated["VOICEAPP_DATABASE_URL"], "ana@example.com")
    code, out, err = run(capsys, "outbox", "send")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "voiceapp: error: VOICEAPP_SMTP_URL is not set: no e-mail can be sent, "
        "it waits in the outbox"
    ]
    code, out, _ = run(capsys, "outbox", "list", "--state", "pending")
    assert code == 0 and "ana@example.com" in out


def test_send_delivers_what_is_due_and_list_shows_it(
    migrated: dict[str, str],
    capsys: Capture,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue(migrated["VOICEAPP_DATABASE_URL"], "nobody@example.com", "ana@example.com")
    mail_server.answer("550 5.1.1 No such user")
    use_smtp(monkeypatch, mail_server.url)
    code, out, _ = run(capsys, "outbox", "send")
    assert (code, out) == (0, "sent 1, failed 1, to retry 0; 0 pending in the outbox\n")
    assert mail_server.recipients() == ["ana@example.com"]
    assert run(capsys, "outbox", "send")[1].startswith("sent 0, failed 0")  # nothing twice

    code, out, _ = run(capsys, "outbox", "list")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "RECIPIENT", "SUBJECT", "STATE", "ATTEMPTS", "LAST", "ERROR"]
    assert lines[1].split() == ["2", "ana@example.com", "Réunion", "pour", "ana", "sent", "1", "-"]
    assert lines[2].split()[:6] == [
        "1",
        "nobody@example.com",
        "Réunion",
        "pour",
        "nobody",
        "failed",
    ]
    assert lines[2].endswith("550 5.1.1 No such user")
    assert lines[3] == "pending 0, sending 0, sent 1, failed 1"

    code, out, _ = run(capsys, "outbox", "list", "--state", "failed")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["1"]
    code, out, _ = run(capsys, "outbox", "list", "--state", "sending")
    assert out.splitlines()[0] == "no sending messages"


def test_send_to_a_server_that_is_away_keeps_mail_and_hides_the_password(
    migrated: dict[str, str],
    capsys: Capture,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue(migrated["VOICEAPP_DATABASE_URL"], "ana@example.com")
    mail_server.stop()
    use_smtp(
        monkeypatch, f"smtp://mailer:{PASSWORD.replace('/', '%2F')}@127.0.0.1:{mail_server.port}"
    )
    code, out, err = run(capsys, "outbox", "send")
    assert code == 0
    assert out.startswith("sent 0, failed 0, to retry 1; 1 pending in the outbox\n")
    assert (
        f"could not be reached: cannot reach smtp://mailer:***@127.0.0.1:{mail_server.port}" in out
    )
    code, listed, _ = run(capsys, "outbox", "list")
    assert "cannot reach smtp://mailer:***@" in listed
    assert PASSWORD not in out + err + listed and "%2F" not in out + listed


def test_show_prints_the_message_as_it_will_arrive(
    migrated: dict[str, str], capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEAPP_MAIL_FROM", "Pont <bridge@example.org>")
    get_settings.cache_clear()
    queue(migrated["VOICEAPP_DATABASE_URL"], "ana@example.com")
    code, out, _ = run(capsys, "outbox", "show", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "message 1: pending, 0 attempt(s)"
    assert "To: ana@example.com" in lines
    assert "Subject: Réunion pour ana" in lines
    assert "From: Pont <bridge@example.org>" in lines
    assert "Bonjour à tous" in lines
    assert lines[-1].startswith("[part: text/plain; charset=utf-8, ")
    code, _, err = run(capsys, "outbox", "show", "99")
    assert (code, err) == (1, "voiceapp: error: no message 99 in the outbox\n")


@pytest.mark.parametrize(
    "argv",
    [["outbox", "list", "--state", "lost"], ["outbox", "show", "abc"], ["outbox"]],
)
def test_bad_arguments_fail_in_one_line(
    migrated: dict[str, str], capsys: Capture, argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, *argv)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("voiceapp: error: ")
