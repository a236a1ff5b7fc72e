"""A prompt as text for the carrier's text-to-speech (<Say>)."""

from __future__ import annotations

from collections.abc import Mapping

from voiceapp.ivr_prompts import messages
from voiceapp.ivr_prompts.catalog import PLACEHOLDERS
from voiceapp.models import Language


def spoken_value(name: str, value: object) -> str:
    """A placeholder's value as text-to-speech should read it."""
    if PLACEHOLDERS.get(name) == "digits":
        # Spaced out, since text-to-speech reads "1234" as one large number.
        return " ".join(str(value))
    return str(value)


def count_of(params: Mapping[str, object]) -> int | None:
    count = params.get("count")
    return count if isinstance(count, int) else None


def text(key: str, language: Language, params: Mapping[str, object] | None = None) -> str:
    """The sentence for `key` in `language`, placeholders filled."""
    params = params or {}
    sentence = messages.template(key, language, count_of(params))
    if not params:
        return sentence
    return sentence % {name: spoken_value(name, value) for name, value in params.items()}
