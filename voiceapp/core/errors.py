"""Errors the domain raises for a person to read: the CLI prints them on one line,
the admin pages show them next to the field they name, in the page's language."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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


# How InvalidFields puts its sentences on one line: not "; ", which some of them use
# inside ("... ; vous avez saisi 999"), so each would no longer be told apart.
JOINER = " | "


def joined(sentences: Sequence[str]) -> str:
    """Several refusals' sentences on one line, each still told apart."""
    return JOINER.join(sentences)


class InvalidFields(VoiceappError):
    """Several refusals of one request, each about its own field: a form gets them all
    back from one submit, rather than one more per round trip.

    `errors` are the refusals as raised (each keeps its field, sentence and params); the
    admin pages show each beside its field, the CLI prints `message`, all on one line.
    """

    def __init__(self, errors: Sequence[VoiceappError]) -> None:
        if len(errors) < 2:
            raise ValueError("InvalidFields is for two refusals or more: raise the one itself")
        self.errors = tuple(errors)
        # No sentence of its own: message and in_language join those of the refusals.
        self.template = errors[0].template
        self.params = errors[0].params
        self.field = None
        self.message = self.in_language(SOURCE_LANGUAGE)
        Exception.__init__(self, self.message)

    def in_language(self, language: str) -> str:
        return joined([error.in_language(language) for error in self.errors])


class FieldChecks:
    """Runs the independent checks of one request's fields and keeps every refusal, so
    that the request is answered with all of them at once:

        checks = FieldChecks()
        with checks.field():
            name = check_room_name(raw_name)
        with checks.field():
            pin = check_pin(raw_pin)
        checks.raise_any()  # before any value checked above is used

    A check that needs another field's value (a say locale needs the language) asks
    `failed(field)` first and is skipped when that field was refused.
    """

    def __init__(self) -> None:
        self.errors: list[VoiceappError] = []

    @contextmanager
    def field(self) -> Iterator[None]:
        try:
            yield
        except VoiceappError as error:
            self.errors.append(error)

    def failed(self, field: str) -> bool:
        return any(error.field == field for error in self.errors)

    def raise_any(self) -> None:
        """Raise what was refused: one refusal as itself (its kind, its HTTP status), two
        or more as InvalidFields."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidFields(self.errors)
