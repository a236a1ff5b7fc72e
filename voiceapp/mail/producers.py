"""Mail made after its change: work a transaction recorded (a meeting's mailing, one row
for 200 invitations) that becomes outbox messages once it has committed.

A producer makes the messages of whatever is due and writes them to the outbox; it must
be safe to run in several workers at once (each message once: dedupe keys). The sender
runs every producer before it looks at the outbox (sender.deliver_due), so what they
write goes out in the same round, and the loop runs them even without SMTP, so the
Outbox page shows what waits. Areas above mail register theirs at import
(voiceapp.scheduling.mailing_expansion): mail cannot import them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from voiceapp.core.db import is_connection_lost

log = logging.getLogger(__name__)

# Given the time and the From of the messages it makes (the running process's
# VOICEAPP_MAIL_FROM: the server that sends them, not the one that recorded the change),
# writes what is due to the outbox; returns how many messages it wrote.
Producer = Callable[[datetime, str], Awaitable[int]]

_producers: dict[str, Producer] = {}


def register(name: str, producer: Producer) -> None:
    """Run `producer` before every delivery round (again under the same name: replaced)."""
    _producers[name] = producer


async def produce_due(now: datetime | None = None, *, mail_from: str) -> int:
    """Run every producer, its messages from `mail_from`; how many messages they wrote.
    One that fails is logged and the others still run (it is tried again next round); a
    lost database stops all."""
    moment = now or datetime.now(UTC)
    written = 0
    for name, producer in list(_producers.items()):
        try:
            written += await producer(moment, mail_from)
        except Exception as failure:
            if is_connection_lost(failure):
                raise
            log.exception("outbox: making the messages of %s failed", name)
    return written
