"""VOICEAPP_SMTP_URL and VOICEAPP_MAIL_FROM, and the sender's TLS and login against a
real server (aiosmtpd with a self-signed certificate): STARTTLS, smtps, AUTH, the
certificate check, and a password that never shows in logs, errors or the outbox."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from urllib.parse import quote

import pytest

from voiceapp.core.db import database
from voiceapp.core.models import OutboxMessage, OutboxState
from voiceapp.core.settings import Settings, SettingsError, SmtpServer, load_settings
from voiceapp.mail import outbox, smtp
from voiceapp.mail.sender import deliver_due

from .mail_server import PASSWORD, USER, Certificate, MailServer, Tls, with_smtp

# Every way the password could leak: as typed, percent-encoded as in the URL, and inside
# AUTH PLAIN's or AUTH LOGIN's base64.
SECRETS = (
    PASSWORD,
    quote(PASSWORD, safe=""),
    base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),
    base64.b64encode(PASSWORD.encode()).decode(),
)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


# ---- the settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://localhost", SmtpServer("localhost", 25, implicit_tls=False)),
        ("smtp://relay.example.com:25", SmtpServer("relay.example.com", 25, implicit_tls=False)),
        (
            "smtp://apikey:p%40ss%2Fw0rd@smtp.example.com:587",
            SmtpServer("smtp.example.com", 587, False, "apikey", "p@ss/w0rd"),
        ),
        (
            "smtps://me%40example.com:secret@smtp.example.com",
            SmtpServer("smtp.example.com", 465, True, "me@example.com", "secret"),
        ),
        ("smtps://[::1]:4650", SmtpServer("::1", 4650, implicit_tls=True)),
    ],
)
def test_the_smtp_url_is_read(url: str, expected: SmtpServer) -> None:
    assert load_settings({"VOICEAPP_SMTP_URL": url}).smtp == expected


def test_no_smtp_url_means_no_smtp() -> None:
    assert load_settings({}).smtp is None
    assert load_settings({"VOICEAPP_SMTP_URL": "  "}).smtp is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://user:hunter2@mail.example.com", "must start with smtp:// or smtps://"),
        ("smtp://user:hunter2@mail.example.com:99999", "port that is not a number"),
        ("smtp://user:hunter2@mail.example.com:abc", "port that is not a number"),
        ("smtp://user:hun/ter2@mail.example.com", "percent-encode"),
        ("smtp://user:hunter2@mail.example.com/path", "percent-encode"),
        ("smtp://user:hunter2@:587", "names no server"),
    ],
)
def test_a_bad_smtp_url_is_named_without_its_password(url: str, why: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"VOICEAPP_SMTP_URL": url})
    message = str(raised.value)
    assert message.startswith("VOICEAPP_SMTP_URL ")
    assert why in message
    assert "hunter2" not in message and "hun/ter2" not in message


def test_the_password_is_never_shown_by_the_settings() -> None:
    settings = load_settings({"VOICEAPP_SMTP_URL": "smtp://u%40x.org:p%C3%A4ss@h.example:587"})
    assert settings.smtp is not None
    assert settings.smtp.password == "päss"
    assert settings.smtp.shown == "smtp://u%40x.org:***@h.example:587"
    assert "päss" not in repr(settings) and "p%C3%A4ss" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "voiceapp@127.0.0.1"),  # replaced below: an IP gives localhost
        ({"VOICEAPP_PUBLIC_URL": "https://voice.example.org/base"}, "voiceapp@voice.example.org"),
        ({"VOICEAPP_MAIL_FROM": "bridge@example.org"}, "bridge@example.org"),
        (
            {"VOICEAPP_MAIL_FROM": "Pont de conférence <bridge@example.org>"},
            "Pont de conférence <bridge@example.org>",
        ),
    ],
)
def test_mail_from_defaults_to_the_public_host(env: dict[str, str], expected: str) -> None:
    if not env:
        expected = "voiceapp@localhost"
    assert load_settings(env).mail_from == expected


@pytest.mark.parametrize(
    "value", ["bridge", "@example.org", "a@example.org, b@example.org", "a b@example.org"]
)
def test_a_bad_mail_from_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^VOICEAPP_MAIL_FROM must be an e-mail address"):
        load_settings({"VOICEAPP_MAIL_FROM": value})


# ---- TLS and login against a real server ----------------------------------------------------


@pytest.fixture
async def orm(settings: Settings) -> AsyncIterator[None]:
    async with database(settings.database_url):
        yield


def serve(tls: Tls, certificate: Certificate, *, login: bool) -> Iterator[MailServer]:
    server = MailServer(tls=tls, certificate=certificate, login=login).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def starttls_server(smtp_certificate: Certificate) -> Iterator[MailServer]:
    yield from serve("starttls", smtp_certificate, login=True)


@pytest.fixture
def smtps_server(smtp_certificate: Certificate) -> Iterator[MailServer]:
    yield from serve("implicit", smtp_certificate, login=True)


@pytest.fixture
def plain_login_server(smtp_certificate: Certificate) -> Iterator[MailServer]:
    yield from serve("none", smtp_certificate, login=True)


def note(to: str = "ana@example.com") -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "Test"
    message.set_content("Bonjour\n")
    return message


@pytest.mark.parametrize("server_name", ["starttls_server", "smtps_server"])
async def test_mail_goes_over_tls_with_a_login(
    request: pytest.FixtureRequest, settings: Settings, orm: None, server_name: str
) -> None:
    server: MailServer = request.getfixturevalue(server_name)
    assert server.url.startswith("smtps://" if server.tls == "implicit" else "smtp://")
    mailing = with_smtp(settings, server.url)
    await outbox.queue(note())
    assert (await deliver_due(mailing)).sent == 1
    [arrived] = server.received
    assert (arrived.tls, arrived.login) == (True, USER)


async def test_a_plain_server_on_loopback_gets_the_login_in_clear(
    plain_login_server: MailServer, settings: Settings, orm: None
) -> None:
    """On loopback nothing leaves the machine: a local relay without TLS may take it."""
    await outbox.queue(note())
    assert (await deliver_due(with_smtp(settings, plain_login_server.url))).sent == 1
    [arrived] = plain_login_server.received
    assert (arrived.tls, arrived.login) == (False, USER)


async def test_a_remote_server_without_starttls_never_gets_the_password(
    plain_login_server: MailServer,
    settings: Settings,
    orm: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(smtp, "is_loopback", lambda host: False)  # as if across the network
    await outbox.queue(note())
    report = await deliver_due(with_smtp(settings, plain_login_server.url))
    assert (report.sent, report.retrying) == (0, 1)
    assert "offers no STARTTLS" in report.unreachable
    assert plain_login_server.received == [] and plain_login_server.logins_refused == 0
    row = await OutboxMessage.get()
    assert (row.state, row.last_error) == (OutboxState.PENDING, report.unreachable)


async def test_a_remote_certificate_is_checked(
    starttls_server: MailServer,
    smtp_certificate: Certificate,
    settings: Settings,
    orm: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Off loopback the self-signed certificate is refused, until OpenSSL is told to
    trust it (SSL_CERT_FILE, as for a private CA)."""
    monkeypatch.setattr(smtp, "is_loopback", lambda host: False)
    mailing = with_smtp(settings, starttls_server.url)
    await outbox.queue(note())
    report = await deliver_due(mailing)
    assert report.retrying == 1
    assert "CERTIFICATE_VERIFY_FAILED" in report.unreachable
    assert starttls_server.received == []

    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_certificate.cert))
    await OutboxMessage.all().update(next_attempt_at=(await OutboxMessage.get()).created_at)
    assert (await deliver_due(mailing)).sent == 1
    assert [mail.tls for mail in starttls_server.received] == [True]


async def test_a_refused_login_keeps_mail_waiting_and_shows_no_password(
    starttls_server: MailServer,
    settings: Settings,
    orm: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = starttls_server.url.replace(quote(PASSWORD, safe=""), quote(PASSWORD[::-1], safe=""))
    mailing = with_smtp(settings, wrong)
    await outbox.queue(note())
    with caplog.at_level(logging.DEBUG):
        report = await deliver_due(mailing)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)  # not FAILED for good
    user = quote(USER, safe="")
    assert report.unreachable.startswith(
        f"login refused by smtp://{user}:***@127.0.0.1:{starttls_server.port}: 535 "
    )
    row = await OutboxMessage.get()
    assert (row.state, row.last_error) == (OutboxState.PENDING, report.unreachable)
    assert starttls_server.logins_refused >= 1  # aiosmtplib tries PLAIN, then LOGIN
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "login refused" in ours
    reversed_secrets = [PASSWORD[::-1], quote(PASSWORD[::-1], safe="")]
    assert not [secret for secret in reversed_secrets if secret in ours + row.last_error]


async def test_the_password_is_in_no_log_line(
    starttls_server: MailServer,
    settings: Settings,
    orm: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Everything logged at DEBUG by voiceapp, aiosmtplib and tortoise (the test server's
    own log, mail.log, is not ours) while mail goes out, is refused, and cannot connect."""
    mailing = with_smtp(settings, starttls_server.url)
    with caplog.at_level(logging.DEBUG):
        await outbox.queue(note())
        await deliver_due(mailing)
        starttls_server.answer("550 5.7.1 Refused: " + "x")
        await outbox.queue(note("luis@example.com"))
        await deliver_due(mailing)
        starttls_server.stop()
        await outbox.queue(note("eva@example.com"))
        await deliver_due(mailing)
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    assert any("cannot reach" in record.getMessage() for record in ours)
    text = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in ours)
    assert leaks(text) == []
    errors = " ".join(await OutboxMessage.all().values_list("last_error", flat=True))  # type: ignore[arg-type]
    assert leaks(errors) == []


def test_redact_hides_the_password_as_typed_and_encoded() -> None:
    server = SmtpServer("h.example", 587, False, USER, PASSWORD)
    said = f"AUTH failed for {PASSWORD} ({quote(PASSWORD, safe='')})"
    assert smtp.redact(said, server) == "AUTH failed for *** (***)"
    assert len(smtp.redact("x" * 1000, server)) == smtp.MAX_REASON
