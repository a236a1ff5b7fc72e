"""Recording a change's mail: one `mailing` row in the change's own transaction.

The row holds the snapshot its messages are made from (mailing_codec); the sender makes
them after the commit (mailing_expansion). So the mail exists exactly when the change
does, as with outbox.queue, but the request writes one row instead of building and
writing a message per invitee (200 invitations took seconds).
"""

from __future__ import annotations

from datetime import UTC, datetime

from voiceapp.core.models import Mailing, MailingKind
from voiceapp.mail.wakeup import wakeup

# mailing_expansion registers with the sender when imported: a process that can record a
# mailing (every server worker, the CLI) also makes its messages.
from voiceapp.scheduling import mailing_codec, mailing_expansion  # noqa: F401
from voiceapp.scheduling.mailings import Snapshot


async def record(kind: MailingKind, meeting_id: int | None, snapshot: Snapshot) -> Mailing | None:
    """Write the mailing, in the current transaction; None when nobody receives anything.
    Nudges this process's sender, which looks again after the commit."""
    if snapshot.empty:
        return None
    row = await Mailing.create(
        kind=kind,
        meeting_id=meeting_id,
        payload=mailing_codec.dumps(snapshot),
        # Due now by the clock, whatever moment the change was made at (tests pass one).
        next_attempt_at=datetime.now(UTC),
    )
    wakeup.notify()
    return row
