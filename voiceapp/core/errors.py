"""Errors the domain raises for a person to read: the CLI prints them on one line,
the admin pages show them next to the field they name, in the page's language."""

from __future__ import annotations

from voiceapp.core.i18n import SOURCE_LANGUAGE, Params, Plural, format_message


class VoiceappError(Exception):
    """A request that cannot be carried out, with a sentence saying why.

    The domain raises it with an English sentence marked for translation and its named
    parameters, Django-style: InvalidInput(N_("PIN %(pin)s is taken"), params={"pin": pin}).
    The sentence is translated where it is shown, since only the page knows its reader's
    language; `message` is the English text (the CLI's).
    """

    def __init__(
        self, message: str | Plural, *, params: Params | None = None, field: str | None = None
    ) -> None:
        self.template = message
        self.params = params
        self.message = format_message(SOURCE_LANGUAGE, message, params)
        super().__init__(self.message)
        # The input field at fault (e.g. "pin"), so a form can show the message beside it.
        self.field = field

    def in_language(self, language: str) -> str:
        """The message in `language` (en, fr, es); English where no translation exists."""
        return format_message(language, self.template, self.params)


class InvalidInput(VoiceappError):
    """A value that is not acceptable as typed."""


class NotFound(VoiceappError):
    """The thing named does not exist."""


class Conflict(VoiceappError):
    """The change would break a rule about what already exists (duplicate, still in use)."""


class LimitReached(VoiceappError):
    """A configured maximum (rooms per bridge, callers per room) is reached."""
