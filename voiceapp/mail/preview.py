"""One outbox message as its recipient will see it: the stored wire text parsed back."""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage

from voiceapp.core.models import OutboxMessage
from voiceapp.core.settings import Settings
from voiceapp.mail.listing import OutboxEntry, entry


@dataclass(frozen=True)
class Part:
    """One leaf of the MIME tree: a text, an HTML version, a calendar, an attachment."""

    content_type: str  # "text/calendar"
    params: dict[str, str]  # its Content-Type parameters ("method": "REQUEST")
    filename: str | None
    disposition: str | None  # "attachment", "inline" or None
    size: int  # bytes, decoded
    text: str | None  # decoded, for text/* parts


@dataclass(frozen=True)
class RecipientView:
    entry: OutboxEntry
    headers: list[tuple[str, str]]  # decoded, in order, From included
    text: str | None  # the text/plain body
    html: str | None  # the text/html body
    parts: list[Part]


def parse(wire: str) -> EmailMessage:
    message = message_from_string(wire, policy=policy.default)
    assert isinstance(message, EmailMessage)  # what policy.default makes
    return message


def parts_of(message: EmailMessage) -> list[Part]:
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        is_text = part.get_content_maintype() == "text"
        found.append(
            Part(
                content_type=part.get_content_type(),
                params=dict((part.get_params(header="content-type") or [])[1:]),
                filename=part.get_filename(),
                disposition=part.get_content_disposition(),
                size=len(payload) if isinstance(payload, bytes) else 0,
                text=as_read(part.get_content()) if is_text else None,
            )
        )
    return found


def body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    return None if part is None else as_read(str(part.get_content()))


def as_read(text: str) -> str:
    """Text with the wire's CRLF line ends as a page or a terminal shows them."""
    return text.replace("\r\n", "\n")


async def recipient_view(message_id: int, settings: Settings) -> RecipientView | None:
    """The message `message_id` as it will arrive; None when there is no such message."""
    found = await entry(message_id)
    if found is None:
        return None
    stored = await OutboxMessage.filter(id=message_id).values_list("message", flat=True)
    message = parse(str(stored[0]))
    if message["From"] is None:  # added when sent (sender.Envelope)
        message["From"] = settings.mail_from
    headers = [(name, str(value)) for name, value in message.items()]
    return RecipientView(
        entry=found,
        headers=headers,
        text=body(message, "plain"),
        html=body(message, "html"),
        parts=parts_of(message),
    )
