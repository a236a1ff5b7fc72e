"""Talking to the SMTP server (aiosmtplib): the connection, and what each failure means.

smtps:// speaks TLS from the first byte; smtp:// upgrades with STARTTLS when the server
offers it (aiosmtplib's default). Certificates are checked against the system's CAs
(OpenSSL's SSL_CERT_FILE names a private CA's), except on a loopback address: that
connection never leaves the machine, and a local relay's certificate is usually
self-signed (Debian's Postfix offers STARTTLS with a "snakeoil" one). A password is only
sent over TLS, or to a loopback address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote

import aiosmtplib

from voiceapp.core.settings import SmtpServer

# Per connection and per command (connect, MAIL, DATA...): a server that stays silent
# this long is taken as unreachable and the message tried again later.
TIMEOUT_SECONDS = 30.0
MAX_REASON = 500  # the last_error column's size

# 5xx answers about the session, not the message: a login the server refused, or one it
# wants first. A wrong password must not fail every message for good: they wait until
# the setting is fixed (and the server restarted).
SESSION_REFUSALS = {530, 534, 535, 538}
# "Service not available, closing transmission channel": the connection is gone.
CLOSING = 421
# The server did not answer, or not for long: refused, timed out, dropped, no TLS.
UNREACHABLE = (
    OSError,
    TimeoutError,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
)


@dataclass(frozen=True)
class Failure:
    reason: str  # what the outbox shows (last_error), never with the password
    permanent: bool = False  # refused for good (5xx): not tried again
    connection_lost: bool = False  # the next message needs a new connection


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PasswordNeedsTls(aiosmtplib.SMTPException):
    """The server offers no STARTTLS, and the password would cross the network in clear."""


async def connect(server: SmtpServer) -> aiosmtplib.SMTP:
    """A connection to `server`, TLS and login done, ready for messages."""
    local = is_loopback(server.host)
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.implicit_tls,
        # None: STARTTLS when the server offers it; never inside implicit TLS.
        start_tls=False if server.implicit_tls else None,
        validate_certs=not local,
        timeout=TIMEOUT_SECONDS,
    )
    await client.connect()
    try:
        if server.username:
            if client.get_transport_info("sslcontext") is None and not local:
                raise PasswordNeedsTls(
                    "the server offers no STARTTLS: voiceapp does not send the password "
                    "in clear (use smtps:// if it speaks TLS on another port)"
                )
            await client.login(server.username, server.password)
    except BaseException:
        client.close()
        raise
    return client


async def disconnect(client: aiosmtplib.SMTP) -> None:
    """QUIT politely, or just close: the messages are already settled either way."""
    try:
        await client.quit(timeout=5)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        client.close()


def redact(text: str, server: SmtpServer) -> str:
    """`text` without the password, as typed or percent-encoded (servers and libraries
    sometimes echo what they were sent), cut to fit the outbox's column."""
    if server.password:
        for secret in {server.password, quote(server.password, safe="")}:
            text = text.replace(secret, "***")
    return text[:MAX_REASON]


def connect_failure(error: Exception, server: SmtpServer) -> Failure:
    """Why a connection could not be made: never permanent. A server that is away, a
    wrong password or a certificate problem is fixed on the server's side or in the
    setting, and then every waiting message should still go out."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        what = f"login refused by {server.shown}: {error.code} {error.message}"
    elif isinstance(error, UNREACHABLE):
        what = f"cannot reach {server.shown}: {_describe(error)}"
    else:  # no STARTTLS for the password, no AUTH offered, EHLO refused...
        what = f"{server.shown}: {_describe(error)}"
    return Failure(redact(what, server), connection_lost=True)


def send_failure(error: Exception, server: SmtpServer) -> Failure:
    """What a failure to send one message means for it, and for the connection."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]  # one recipient per message
    if isinstance(error, aiosmtplib.SMTPResponseException):
        code = error.code
        reason = redact(f"{code} {error.message}", server)
        permanent = 500 <= code < 600 and code not in SESSION_REFUSALS
        return Failure(reason, permanent=permanent, connection_lost=code == CLOSING)
    if isinstance(error, ValueError | UnicodeError):
        # aiosmtplib refuses an address it cannot send (a non-ASCII one, a line break).
        return Failure(redact(f"cannot be sent: {error}", server), permanent=True)
    # Disconnected, timed out, or anything unforeseen: try again on a new connection.
    return Failure(redact(_describe(error), server), connection_lost=True)


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__
