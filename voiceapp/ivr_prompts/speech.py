"""A prompt as text for the carrier's text-to-speech (<Say>)."""

from __future__ import annotations

from collections.abc import Mapping

from num2words import num2words

from voiceapp.core.models import Language
from voiceapp.ivr_prompts import messages
from voiceapp.ivr_prompts.catalog import PLACEHOLDERS


def said_count(value: int, language: Language) -> str:
    """A count as text-to-speech should read it before the (masculine) noun it counts.

    Spanish shortens a final "uno" there: "veintiún participantes", "treinta y un
    participantes", "ciento un participantes"; espeak-ng reads "21" as "veintiuno"
    whatever follows. 1 itself stays a digit: its clip is also the 1 of conference IDs,
    and the Spanish singular says "un participante" in its own words."""
    if language is Language.ES and value > 1 and value % 10 == 1 and value % 100 != 11:
        words: str = num2words(value, lang="es")  # "veintiuno", "treinta y uno"
        return words.removesuffix("uno") + ("ún" if words.endswith("veintiuno") else "un")
    return str(value)


def spoken_value(name: str, value: object, language: Language) -> str:
    """A placeholder's value as text-to-speech should read it."""
    if PLACEHOLDERS.get(name) == "digits":
        # Spaced out, since text-to-speech reads "1234" as one large number.
        return " ".join(str(value))
    if isinstance(value, int):
        return said_count(value, language)
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
    return sentence % {name: spoken_value(name, value, language) for name, value in params.items()}
