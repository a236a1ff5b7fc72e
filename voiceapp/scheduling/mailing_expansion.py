"""Making a mailing's messages: after the change's commit, in the sender.

Registered with the outbox's sender (mail.producers), which runs `expand_due` before each
delivery round: at once when this process recorded a mailing (the wakeup), else at its
next look. `voiceapp outbox send` runs it too.

Each mailing: claimed (mailing_claims), its messages made from its snapshot outside any
transaction, then ONE transaction writes them to the outbox, each under the key
"mailing:<id>:<address>", and marks the mailing expanded. A sender that fails or dies
half-way leaves nothing behind (the transaction rolls back) and the mailing is made
again, by the next round or, after its claim expires, by any worker; a second sender
that made the same messages meanwhile writes none (the keys, and the mark, which rolls
its transaction back). So each message is written once; the outbox then sends each once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from hashlib import sha256

from tortoise.transactions import in_transaction

from voiceapp.core.db import is_connection_lost
from voiceapp.mail import outbox, producers, retry
from voiceapp.scheduling import mailing_claims, mailing_codec
from voiceapp.scheduling.mailing_claims import Claimed
from voiceapp.scheduling.mailings import messages

log = logging.getLogger(__name__)

# Mailings made per round at most: the round then delivers, and the next one goes on.
MAX_PER_ROUND = 20


class ExpandedMeanwhile(Exception):
    """Another sender wrote this mailing's messages first: roll back ours."""


def dedupe_key(mailing_id: int, to: str) -> str:
    """The outbox key of the message of mailing `mailing_id` for `to` (an address, or
    mailings.ORGANIZER); a digest of the address when it would not fit the column."""
    key = f"mailing:{mailing_id}:{to}"
    if len(key) <= outbox.MAX_DEDUPE_KEY:
        return key
    return f"mailing:{mailing_id}:sha256:{sha256(to.encode()).hexdigest()}"


async def expand_due(now: datetime | None = None, mail_from: str | None = None) -> int:
    """Make the messages of the mailings due at `now`, one mailing after another, from
    `mail_from` (this process's VOICEAPP_MAIL_FROM; None: the one stored in each snapshot);
    how many messages were written."""
    moment = now or datetime.now(UTC)
    written = 0
    for _ in range(MAX_PER_ROUND):
        claimed = await mailing_claims.claim_next(moment)
        if claimed is None:
            break
        written += await expand(claimed, moment, mail_from)
    return written


async def expand(claimed: Claimed, now: datetime, mail_from: str | None = None) -> int:
    """Write the messages of one claimed mailing; how many (0 when another sender did,
    or when making them failed: then it is tried again after a backoff)."""
    try:
        snapshot = mailing_codec.loads(claimed.payload)
        found = messages(snapshot, sender=mail_from)
        keyed = [(message.prepared, dedupe_key(claimed.id, message.to)) for message in found]
        async with in_transaction():
            written = await outbox.queue_many(keyed)
            if not await mailing_claims.mark_expanded(claimed.id, now):
                raise ExpandedMeanwhile
        return written
    except ExpandedMeanwhile:
        return 0
    except Exception as failure:
        if is_connection_lost(failure):
            raise  # the database is away: the round stops; the claim expires
        attempts = claimed.attempts + 1
        log.exception("mailing %s: making its messages failed (attempt %s)", claimed.id, attempts)
        await mailing_claims.release(
            claimed, f"{type(failure).__name__}: {failure}", now + retry.wait_after(attempts)
        )
        return 0


producers.register("meeting mailings", expand_due)
