"""The sender inside every server process: a look at the outbox every few seconds, and
at once when this process queues mail (or records a meeting's mailing). Each round first
makes the messages recorded to be made later (producers), then delivers.

Started from the app's lifespan (app.py) next to housekeeping. Every worker runs one;
their claims never overlap (claims.py). A round that fails (the database away) costs one
line in the log, and the next round tries again.
"""

from __future__ import annotations

import logging
import random

from voiceapp.core.settings import Settings
from voiceapp.mail import producers, retry
from voiceapp.mail.sender import DeliveryReport, deliver_due, stop_if_cancelled
from voiceapp.mail.wakeup import wakeup

log = logging.getLogger(__name__)

# Between two looks at the outbox when nothing wakes the sender. Mail queued by another
# worker (or by the CLI) waits at most this long.
LOOK_EVERY_SECONDS = 5.0
# After a nudge, how long to let the queuing transaction commit (and queue the rest of
# its messages) before looking: one look then takes them all.
SETTLE_SECONDS = 0.05
# A nudge whose look found nothing came before its transaction committed: look again
# this often, this many times, before going back to the slow pace.
RECHECK_SECONDS = 0.25
RECHECKS = 8


async def deliver_forever(settings: Settings) -> None:
    """Deliver the outbox until cancelled. Without SMTP configured nothing is sent: mail
    waits in the outbox until VOICEAPP_SMTP_URL is set and the server restarted, and the
    loop only makes the messages recorded to be made later (producers), so that the
    Outbox page shows them."""
    if settings.smtp is None:
        log.info("VOICEAPP_SMTP_URL is not set: e-mail waits in the outbox, unsent")
    else:
        log.info("e-mail goes out through %s", settings.smtp.shown)
    delay = 0.0  # a first look at once: mail may have waited for this start
    rechecks = 0
    unreachable = 0  # rounds in a row that could not reach the server
    while True:
        stop_if_cancelled()
        nudged = await wakeup.wait(delay)
        if nudged:
            rechecks = RECHECKS
            await wakeup.wait(SETTLE_SECONDS)
        report = await one_round(settings)
        if report is None:
            delay = LOOK_EVERY_SECONDS
            continue
        unreachable = unreachable + 1 if report.unreachable else 0
        moved = report.made + report.sent + report.retrying + report.failed
        if unreachable:
            # The server is away: wait as a message would before trying it again; new
            # mail queued meanwhile still wakes the sender.
            delay = retry.wait_after(unreachable).total_seconds()
        elif not moved and rechecks:
            rechecks -= 1
            delay = RECHECK_SECONDS
        else:
            rechecks = 0
            delay = random.uniform(0.8, 1.2) * LOOK_EVERY_SECONDS  # noqa: S311 (spread workers)


async def one_round(settings: Settings) -> DeliveryReport | None:
    try:
        if settings.smtp is None:
            return DeliveryReport(made=await producers.produce_due(mail_from=settings.mail_from))
        return await deliver_due(settings)
    except Exception as failure:  # one line; the next round tries again
        log.warning("outbox: delivery round failed: %s", type(failure).__name__)
        return None
