"""Errors the domain raises for a person to read: the CLI prints them on one line,
the admin pages show them next to the field they name."""

from __future__ import annotations


class VoiceappError(Exception):
    """A request that cannot be carried out, with a sentence saying why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The input field at fault (e.g. "pin"), so a form can show the message beside it.
        self.field = field


class InvalidInput(VoiceappError):
    """A value that is not acceptable as typed."""


class NotFound(VoiceappError):
    """The thing named does not exist."""


class Conflict(VoiceappError):
    """The change would break a rule about what already exists (duplicate, still in use)."""


class LimitReached(VoiceappError):
    """A configured maximum (rooms per bridge, callers per room) is reached."""
