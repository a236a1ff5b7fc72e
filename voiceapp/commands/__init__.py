"""Command groups of the `voiceapp` CLI; each module has `register(subparsers)`."""

from __future__ import annotations

from collections.abc import Callable

from voiceapp.commands import (
    admin,
    call,
    contacts,
    extensions,
    live,
    outbox,
    prompts,
    provisioning,
    schedule,
    server,
)
from voiceapp.commands.base import Groups

Register = Callable[[Groups], None]

COMMAND_GROUPS: list[Register] = [
    server.register,
    provisioning.register,
    extensions.register,
    call.register,
    prompts.register,
    admin.register,
    outbox.register,
    contacts.register,
    schedule.register,
    live.register,
]
