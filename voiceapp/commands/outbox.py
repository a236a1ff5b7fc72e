"""`voiceapp outbox list|show|send`: the mail waiting to go out, what became of it, and
delivering what is due now (for cron, or once by hand). The rules are in voiceapp.mail."""

from __future__ import annotations

import argparse

from voiceapp.commands.base import Groups, table
from voiceapp.core.db import database
from voiceapp.core.errors import NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import OutboxState
from voiceapp.core.settings import Settings
from voiceapp.mail import listing, preview, producers, sender

# Registers the maker of meetings' mail with the sender (voiceapp.mail cannot import it).
from voiceapp.scheduling import mailing_expansion  # noqa: F401

STATES = [state.value for state in OutboxState]
# How much of a subject or an error a table row shows (the whole of it: `outbox show`).
SUBJECT_WIDTH = 40
ERROR_WIDTH = 60


def register(groups: Groups) -> None:
    parser = groups.add_parser("outbox", help="e-mail waiting to be sent, sent and failed")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing_parser = actions.add_parser("list", help="list messages, newest first")
    listing_parser.add_argument(
        "--state", choices=STATES, help="only messages in this state (default: all)"
    )
    listing_parser.add_argument(
        "--limit", type=int, default=50, help="show at most this many messages (default: 50)"
    )
    listing_parser.set_defaults(handler=outbox_list)
    show = actions.add_parser("show", help="one message as its recipient will see it")
    show.add_argument("id", type=int, help="the message's ID, from `voiceapp outbox list`")
    show.set_defaults(handler=outbox_show)
    send = actions.add_parser(
        "send", help="deliver what is due now, once (for cron or a one-off), then exit"
    )
    send.set_defaults(handler=outbox_send)


def cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


async def outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    state = OutboxState(args.state) if args.state else None
    async with database(settings.database_url):
        entries = await listing.list_messages(state, limit=max(args.limit, 1))
        counts = await listing.count_by_state()
    if entries:
        rows = [
            (
                entry.id,
                entry.recipient,
                cut(entry.subject, SUBJECT_WIDTH),
                entry.state.value,
                entry.attempts,
                cut(entry.last_error, ERROR_WIDTH) or "-",
            )
            for entry in entries
        ]
        print(table(("ID", "RECIPIENT", "SUBJECT", "STATE", "ATTEMPTS", "LAST ERROR"), rows))
    else:
        print(f"no {args.state} messages" if args.state else "the outbox is empty")
    print(", ".join(f"{state.value} {count}" for state, count in counts.items()))
    return 0


async def outbox_show(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        view = await preview.recipient_view(args.id, settings)
    if view is None:
        raise NotFound(N_("no message %(id)s in the outbox"), params={"id": args.id})
    entry = view.entry
    print(f"message {entry.id}: {entry.state.value}, {entry.attempts} attempt(s)")
    if entry.last_error:
        print(f"last error: {entry.last_error}")
    print()
    for name, value in view.headers:
        if name.lower() not in ("mime-version", "content-type", "content-transfer-encoding"):
            print(f"{name}: {value}")
    print()
    print(view.text if view.text is not None else "(no text part)")
    for part in view.parts:
        named = f" {part.filename}" if part.filename else ""
        params = "".join(f"; {key}={value}" for key, value in part.params.items())
        print(f"[part: {part.content_type}{params}{named}, {part.size} bytes]")
    return 0


async def outbox_send(args: argparse.Namespace, settings: Settings) -> int:
    if settings.smtp is None:
        # Still make the messages that changes recorded (a meeting booked with no server
        # running): they wait in the outbox, listed, until SMTP is set.
        async with database(settings.database_url):
            made = await producers.produce_due(sender.now(), mail_from=settings.mail_from)
        if made:
            print(f"made {made} message(s) from recorded changes; they wait in the outbox")
        raise sender.SmtpNotConfigured(sender.NOT_CONFIGURED)
    async with database(settings.database_url):
        report = await sender.deliver_due(settings)
        left = (await listing.count_by_state())[OutboxState.PENDING]
    print(
        f"sent {report.sent}, failed {report.failed}, to retry {report.retrying}; "
        f"{left} pending in the outbox"
    )
    if report.unreachable:
        print(f"the SMTP server could not be reached: {report.unreachable}")
    return 0
