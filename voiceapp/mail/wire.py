"""A message as the outbox stores it: the bytes that go on the wire, as 7-bit text.

Stored once, at queue time, so what is sent (and what the admin page shows) is exactly
what was written in the transaction, and a second try sends the same bytes: the same
Date and Message-ID, by which mail clients recognise a copy.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid

# SMTP line endings, and every part in 7 bits: a part the caller left as 8bit (Python
# picks it for accented text) is re-encoded, so any server takes it, with or without
# 8BITMIME, and the message can be kept in a text column.
SEVEN_BIT = policy.SMTP.clone(cte_type="7bit")
ADDRESS_HEADERS = ("To", "Cc", "Bcc")
# The sizes of the recipient and subject columns (models.OutboxMessage).
MAX_RECIPIENT = 320
MAX_SUBJECT = 500
# A header line's length that needs no folding (RFC 5322's 78, line end excluded).
MAX_LINE = 78 + 2


@dataclass(frozen=True)
class Prepared:
    recipient: str  # the one address the message goes to (envelope and To)
    subject: str  # decoded, for the listing
    text: str  # the whole message, 7-bit, CRLF


def recipient_of(message: EmailMessage) -> str:
    """The message's one recipient: the outbox keeps one row per person, so that each
    is retried, refused and shown on its own."""
    values = [str(value) for name in ADDRESS_HEADERS for value in message.get_all(name, [])]
    addresses = [address for _, address in getaddresses(values) if address]
    if len(addresses) != 1 or "@" not in addresses[0]:
        raise ValueError(f"an outbox message goes to exactly one address in To, got {values}")
    if message.get_all("Cc") or message.get_all("Bcc"):
        raise ValueError("an outbox message has its one address in To, not Cc or Bcc")
    if len(addresses[0]) > MAX_RECIPIENT:
        raise ValueError(f"an e-mail address is at most {MAX_RECIPIENT} characters")
    return addresses[0]


def prepare(message: EmailMessage) -> Prepared:
    """`message` as the outbox stores it; the caller's object is left as it was.

    One pass of the email package's generator (about a third of queueing's cost: 200
    invitations are queued in one web request): the Date and Message-ID it lacks are
    written as header lines in front of its own, not set on a copy of the message."""
    recipient = recipient_of(message)
    wire = message.as_bytes(policy=SEVEN_BIT)
    if not wire.isascii():  # a binary part declared 8bit: the caller must encode it
        raise ValueError("an outbox message must be 7-bit: set its parts' transfer encoding")
    added = ""
    if message["Date"] is None:
        added += f"Date: {format_datetime(datetime.now(UTC))}\r\n"
    if message["Message-ID"] is None:
        added += f"Message-ID: {make_msgid(domain=message_id_domain(message))}\r\n"
    subject = " ".join(str(message["Subject"] or "").split())
    return Prepared(
        recipient=recipient, subject=subject[:MAX_SUBJECT], text=added + wire.decode("ascii")
    )


def prepare_copies(message: EmailMessage, recipients: Sequence[Address]) -> list[Prepared]:
    """One `message` for each of `recipients`, written once: the same bytes for all, each
    with its own To and Message-ID in front (as `prepare` puts a missing Date there).

    `message` has no To, Cc, Bcc or Message-ID. An invitation to 200 people in one
    language is one message made and encoded once, then 200 cheap copies."""
    if any(message.get_all(name) for name in (*ADDRESS_HEADERS, "Message-ID")):
        raise ValueError("a message for copies has no To, Cc, Bcc or Message-ID of its own")
    wire = message.as_bytes(policy=SEVEN_BIT)
    if not wire.isascii():
        raise ValueError("an outbox message must be 7-bit: set its parts' transfer encoding")
    shared = wire.decode("ascii")
    if message["Date"] is None:
        shared = f"Date: {format_datetime(datetime.now(UTC))}\r\n" + shared
    domain = message_id_domain(message)
    subject = " ".join(str(message["Subject"] or "").split())[:MAX_SUBJECT]
    copies = []
    for address in recipients:
        to = address.addr_spec
        if "@" not in to or len(to) > MAX_RECIPIENT:
            raise ValueError(f"not an address an outbox message can go to: {to!r}")
        message_id = make_msgid(domain=domain)
        copies.append(
            Prepared(to, subject, f"{to_line(address)}Message-ID: {message_id}\r\n{shared}")
        )
    return copies


def to_line(address: Address) -> str:
    """The To header line for `address`, RFC 2047-encoded when its name is not ASCII.
    A line that fits in 78 characters (most) is written directly: the email package's
    header folding costs about as much as the rest of a copy. Longer ones are folded by
    it, into encoded words of at most 75 characters as RFC 2047 asks."""
    named = formataddr((address.display_name, address.addr_spec), charset="utf-8")
    line = f"To: {named}\r\n"
    if len(line) <= MAX_LINE and line.isascii():
        return line
    return str(SEVEN_BIT.header_factory("To", address).fold(policy=SEVEN_BIT))


def message_id_domain(message: EmailMessage) -> str:
    """The domain of the From the caller set, else this machine's name (without the DNS
    lookup of make_msgid's default, which could stall the event loop)."""
    sender = getaddresses([str(message["From"] or "")])
    domain = sender[0][1].rpartition("@")[2] if sender and sender[0][1] else ""
    return domain or socket.gethostname()
