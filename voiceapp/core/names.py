"""Display names (of an extension, a room): one rule for every name people type."""

from __future__ import annotations

from typing import Literal

from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import N_

NAME_MAX = 100
# What check_name says about each kind of name it checks, (empty, too long): whole
# sentences, so that a translation never has to fit a translated word into English grammar.
NameLabel = Literal["name", "room name"]
NAME_ERRORS: dict[NameLabel, tuple[str, str]] = {
    "name": (N_("name must not be empty"), N_("name must be at most %(max)s characters")),
    "room name": (
        N_("room name must not be empty"),
        N_("room name must be at most %(max)s characters"),
    ),
}


def check_name(raw: str, *, field: str = "name", label: NameLabel = "name") -> str:
    """A display name (of an extension, a room): inner white space folded, 1-100 characters."""
    text = " ".join(raw.split())
    empty, too_long = NAME_ERRORS[label]
    if not text:
        raise InvalidInput(empty, field=field)
    if len(text) > NAME_MAX:
        raise InvalidInput(too_long, params={"max": NAME_MAX}, field=field)
    return text
