"""One message copied to many (wire.prepare_copies) and written in a few statements
(outbox.queue_many): each copy is the message as the email package would have written it
for its reader, with its own To and Message-ID; keys make a second write a no-op; the
copies exist only if their transaction commits; and they go out to a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email import message_from_string, policy
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from tortoise.transactions import in_transaction

from voiceapp.core.db import database
from voiceapp.core.models import OutboxMessage
from voiceapp.core.settings import Settings
from voiceapp.mail import outbox, wire
from voiceapp.mail.sender import deliver_due

from .mail_server import MailServer, with_smtp

# The last two need more than one line: the email package folds them.
NAMES = [
    "Ana Ruiz",
    "",
    "Ruiz, Ana",
    'Dr. O"Brien',
    "Élodie Brébant",
    "Jürgen Müller 🎺",
    "José María Fernández de la Peña y Sánchez-Vicario de los Santos Inocentes",
    "A very long plain ASCII display name that goes on and on past the seventy-eighth column",
]


class Boom(Exception):
    pass


@pytest.fixture
async def orm(settings: Settings) -> AsyncIterator[None]:
    async with database(settings.database_url):
        yield


def letter() -> EmailMessage:
    """A message for copies: no To, no Message-ID."""
    message = EmailMessage()
    message["From"] = "Pont de conférence <bridge@example.org>"
    message["Subject"] = "Réunion d'équipe"
    message["Date"] = "Fri, 20 Nov 2026 14:05:00 +0000"
    message.set_content("Bonjour, la réunion a lieu à 10 h 00.\n", cte="quoted-printable")
    message.add_attachment(
        b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
    )
    return message


def parsed(text: str) -> EmailMessage:
    message = message_from_string(text, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def after_message_id(text: str) -> str:
    return text.split("Message-ID: ", 1)[1].split("\r\n", 1)[1]


@pytest.mark.parametrize("name", NAMES)
def test_a_copys_to_is_what_the_email_package_writes(name: str) -> None:
    address = Address(display_name=name, addr_spec="guest@example.com")
    line = wire.to_line(address)
    assert line.isascii() and line.endswith("\r\n")
    # Read back, the same as the email package's own header. (Which is the name itself
    # except for the longest: Python's parser keeps the fold's space between two
    # encoded words in a name, which RFC 2047 drops.)
    own = EmailMessage()
    own["To"] = address
    reference = parsed(own.as_string(policy=wire.SEVEN_BIT))["To"].addresses
    assert parsed(line + "\r\n")["To"].addresses == reference
    if len(line) <= 80:
        assert reference == (address,)
    # Every physical line fits, and every encoded word is at most 75 characters.
    assert all(len(part) <= 78 for part in line.split("\r\n"))
    assert all(len(word) <= 75 for word in re.findall(r"=\?[^?]+\?[bqBQ]\?[^?]*\?=", line))


def test_copies_share_every_byte_but_their_to_and_message_id() -> None:
    people = [Address(display_name=name, addr_spec=f"p{n}@example.com") for n, name in
              enumerate(NAMES)]  # fmt: skip
    copies = wire.prepare_copies(letter(), people)
    assert [c.recipient for c in copies] == [f"p{n}@example.com" for n in range(len(NAMES))]
    assert {c.subject for c in copies} == {"Réunion d'équipe"}
    ids = set()
    for copy, person in zip(copies, people, strict=True):
        message = parsed(copy.text)
        assert message["To"].addresses[0].addr_spec == person.addr_spec
        assert message["From"] == "Pont de conférence <bridge@example.org>"
        assert message["Date"] == "Fri, 20 Nov 2026 14:05:00 +0000"
        assert re.fullmatch(r"<[^@<>]+@example\.org>", message["Message-ID"])
        ids.add(message["Message-ID"])
        # After the two lines in front, the message itself, byte for byte.
        assert after_message_id(copy.text) == after_message_id(copies[0].text)
    assert len(ids) == len(NAMES)


@pytest.mark.parametrize("header", ["To", "Cc", "Bcc", "Message-ID"])
def test_a_message_that_names_its_reader_is_not_copied(header: str) -> None:
    message = letter()
    message[header] = "<x@example.org>" if header == "Message-ID" else "ana@example.com"
    with pytest.raises(ValueError, match="copies"):
        wire.prepare_copies(message, [Address(addr_spec="luis@example.com")])


async def test_copies_are_written_once_and_only_with_their_transaction(orm: None) -> None:
    people = [Address(addr_spec=f"guest{n:03d}@example.com") for n in range(250)]
    keyed = [(c, f"test:{c.recipient}") for c in wire.prepare_copies(letter(), people)]
    with pytest.raises(Boom):
        async with in_transaction():
            assert await outbox.queue_many(keyed) == 250  # three statements of up to 100
            raise Boom
    assert await OutboxMessage.all().count() == 0
    async with in_transaction():
        assert await outbox.queue_many(keyed[:120]) == 120
        # Some again, some new: the keys already there are no-ops, the transaction goes on.
        assert await outbox.queue_many(keyed[100:]) == 130
    assert await outbox.queue_many(keyed) == 0
    rows = await OutboxMessage.all().order_by("id")
    assert [row.dedupe_key for row in rows] == [key for _, key in keyed]
    assert rows[7].message == keyed[7][0].text
    with pytest.raises(ValueError, match="dedupe key"):
        await outbox.queue_many([(keyed[0][0], "k" * 201)])


async def test_copies_go_out_each_to_its_reader(
    settings: Settings, mail_server: MailServer, orm: None
) -> None:
    people = [Address(display_name=name, addr_spec=f"p{n}@example.com") for n, name in
              enumerate(NAMES)]  # fmt: skip
    copies = wire.prepare_copies(letter(), people)
    await outbox.queue_many([(c, f"test:{c.recipient}") for c in copies])
    assert (await deliver_due(with_smtp(settings, mail_server.url))).sent == len(NAMES)
    received = {m.recipients[0]: m.message for m in mail_server.received}
    for person in people:
        assert received[person.addr_spec]["To"].addresses[0].addr_spec == person.addr_spec
        assert "10 h 00" in received[person.addr_spec].get_body(("plain",)).get_content()
