"""A real SMTP server for the tests (aiosmtpd on loopback), and its pytest fixtures.

It records every message it accepts, can be stopped and started again on the same port
(a server that goes away and comes back), answers 4xx or 5xx on demand, and speaks
STARTTLS, implicit TLS (smtps) and AUTH with a self-signed certificate made for the run.

    def test_it(mail_server: MailServer, settings: Settings) -> None:
        settings = with_smtp(settings, mail_server.url)
        ... deliver ...
        assert [m.message["To"] for m in mail_server.received] == [...]

`mail_server` is plain SMTP; `MailServer(tls=..., login=...)` makes the others.
The fixtures are imported by tests/conftest.py, so every test module can use them.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import itertools
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from voiceapp.core.settings import Settings, load_settings

HOST = "127.0.0.1"
# What the server with `login` accepts.
USER = "mailer@example.test"
PASSWORD = "s3cret/pa:ss@word"  # a / : and @ to percent-encode in the URL
Tls = Literal["none", "starttls", "implicit"]


@dataclass(frozen=True)
class Received:
    sender: str  # MAIL FROM
    recipients: list[str]  # RCPT TO
    data: bytes  # the message as it came
    tls: bool  # over TLS (STARTTLS or implicit)
    login: str | None  # the user it logged in as
    connection: int  # 1, 2, ...: which connection brought it

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificate(directory: Path) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1 (the cryptography package)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(directory / "smtp-cert.pem", directory / "smtp-key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class MailServer:
    """aiosmtpd in a thread of its own, on one port for its whole life."""

    def __init__(
        self,
        *,
        tls: Tls = "none",
        certificate: Certificate | None = None,
        login: bool = False,
    ) -> None:
        if tls != "none" and certificate is None:
            raise ValueError("TLS needs a certificate (make_certificate)")
        self.tls = tls
        self.certificate = certificate
        self.login = login
        self.port = free_port()
        self.received: list[Received] = []
        self.logins_refused = 0
        # Seconds each message's DATA takes to be answered: a slow server.
        self.delay = 0.0
        # Replies to DATA instead of "250": each used once, then the next; then `always`.
        self._replies: deque[str] = deque()
        self._always: str | None = None
        self._lock = threading.Lock()
        self._connections: dict[int, int] = {}
        self._numbers = itertools.count(1)
        self._keep: list[SMTP] = []  # so that id() of a live connection is never reused
        self._controller: Controller | None = None

    # ---- what the tests read ----------------------------------------------------------------

    @property
    def url(self) -> str:
        """VOICEAPP_SMTP_URL for this server."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        login = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@" if self.login else ""
        return f"{scheme}://{login}{HOST}:{self.port}"

    def recipients(self) -> list[str]:
        return [recipient for mail in self.received for recipient in mail.recipients]

    def connections(self) -> int:
        return len({mail.connection for mail in self.received})

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        """The messages received, once there are at least `count` (fails after `seconds`)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} messages received, not {count}")
            await asyncio.sleep(0.02)
        return list(self.received)

    # ---- what the tests make it do ----------------------------------------------------------

    def answer(self, *replies: str) -> None:
        """Answer the next messages' DATA with `replies`, one each ("451 4.3.0 Later")."""
        with self._lock:
            self._replies.extend(replies)

    def answer_always(self, reply: str | None) -> None:
        """Answer every message's DATA with `reply` from now on; None: accept again."""
        self._always = reply

    def start(self) -> MailServer:
        kwargs: dict[str, Any] = {}
        context = self.certificate.server_context() if self.certificate else None
        if self.tls == "starttls":
            kwargs["tls_context"] = context
        if self.login:
            kwargs["authenticator"] = self._authenticate
            # aiosmtpd's own check sees STARTTLS only: it would refuse AUTH inside smtps.
            kwargs["auth_require_tls"] = self.tls == "starttls"
        controller = Controller(
            self,
            hostname=HOST,
            port=self.port,
            server_hostname="mail.example.test",  # not socket.getfqdn(): no DNS lookup
            ssl_context=context if self.tls == "implicit" else None,
            **kwargs,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Close the port and every open connection, as a server that went away."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    # ---- aiosmtpd's hooks ------------------------------------------------------------------

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            reply = self._replies.popleft() if self._replies else self._always
            if reply is not None:
                return reply
            if id(server) not in self._connections:
                self._connections[id(server)] = next(self._numbers)
                self._keep.append(server)
            transport = server.transport
            auth = session.auth_data
            self.received.append(
                Received(
                    sender=str(envelope.mail_from),
                    recipients=list(envelope.rcpt_tos),
                    data=bytes(envelope.original_content or b""),
                    tls=transport is not None
                    and transport.get_extra_info("ssl_object") is not None,
                    login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                    connection=self._connections[id(server)],
                )
            )
        return "250 2.0.0 OK"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if not ok:
            self.logins_refused += 1
        # handled=False: aiosmtpd answers the refusal itself (535).
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


def with_smtp(settings: Settings, url: str | None, **env: str) -> Settings:
    """`settings` sending through `url` (None: no SMTP), as load_settings reads it."""
    smtp = load_settings({"VOICEAPP_SMTP_URL": url or "", **env}).smtp
    mail_from = load_settings(env).mail_from if "VOICEAPP_MAIL_FROM" in env else None
    return replace(settings, smtp=smtp, mail_from=mail_from or settings.mail_from)


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A plain SMTP server on loopback, started; stopped after the test."""
    server = MailServer().start()
    try:
        yield server
    finally:
        server.stop()
