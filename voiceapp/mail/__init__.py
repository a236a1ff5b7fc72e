"""E-mail: the outbox every message is written to, and the sender that delivers it.

A change that causes mail (an invitation, a cancellation, a reminder) writes its messages
to the outbox table in its own transaction (`outbox.queue`): if the change rolls back, no
mail exists; if it commits, the mail will go out. A sender in every server process
(`delivery_loop.deliver_forever`; `voiceapp outbox send` from a terminal) claims due
messages atomically and hands them to the SMTP server (VOICEAPP_SMTP_URL) with aiosmtplib,
retrying with backoff while the server is away or answers 4xx, giving up on 5xx.

A change that causes many messages (a meeting with 200 invitees) may instead write one
record of them in its transaction, which the sender makes into outbox messages right
after the commit, before it delivers (`producers`; the scheduling package's mailings).

Each message goes out once however many workers run (a claim is a conditional UPDATE,
SKIP LOCKED on PostgreSQL). The one exception: a worker that dies between handing a
message to the SMTP server and writing down that it did; its claim expires and the
message is sent again. SMTP has no way to ask a server whether it already took a
message, so that window cannot be closed; the message keeps its Message-ID, so mail
clients can tell the copy for what it is.
"""
