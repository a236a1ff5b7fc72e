"""A prompt as a sequence of audio clips (<Play>), and every clip there is to render.

A sentence with a placeholder is cut at it: the translated words around the value are clips
of their own, and the value is played from number clips ("number-7"), one per digit for a
conference ID. A conference ID has up to 10^12 values, so a clip per value cannot be
rendered; cutting the translated sentence keeps each language's own word order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from voiceapp.core.models import Language
from voiceapp.ivr_prompts import messages
from voiceapp.ivr_prompts.catalog import PLACEHOLDERS, PROMPTS
from voiceapp.ivr_prompts.speech import count_of, said_count

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Clip:
    """One audio file of a language: selfhost_media/<language>/<name>.wav says `text`."""

    name: str
    text: str


def number_clip(value: int, language: Language) -> Clip:
    """The clip of a number, 0 to 9 also the digits of conference IDs."""
    return Clip(f"number-{value}", said_count(value, language))


def _is_spoken(piece: str) -> bool:
    """Whether a piece of sentence has words, not just the punctuation around a value."""
    return any(ch.isalnum() for ch in piece)


def _cut(base: str, sentence: str) -> list[Clip | str]:
    """The sentence as clips of its words and the names of its placeholders, in order."""
    parts = PLACEHOLDER.split(sentence)
    if len(parts) == 1:
        return [Clip(base, sentence.replace("%%", "%"))]
    cut: list[Clip | str] = []
    for index, part in enumerate(parts):
        if index % 2:  # re.split puts the captured placeholder names at odd indexes
            cut.append(part)
        elif _is_spoken(part):
            cut.append(Clip(f"{base}.{index // 2 + 1}", part.strip().replace("%%", "%")))
    return cut


def _base_name(key: str, form: int) -> str:
    return key if PROMPTS[key].plural is None else f"{key}.{form}"


def _value_clips(name: str, value: object, language: Language, numbers: int) -> list[Clip] | None:
    """The number clips that say a placeholder's value; None when there are none for it."""
    if PLACEHOLDERS.get(name) == "digits":
        text = str(value)
        if not text.isdigit():
            return None
        return [number_clip(int(digit), language) for digit in text]
    if isinstance(value, int) and 0 <= value < numbers:
        return [number_clip(value, language)]
    return None


def line_clips(
    key: str, language: Language, params: Mapping[str, object], numbers: int
) -> list[Clip] | None:
    """The clips that say `key` with `params`, in order; None when a value has no clip
    (`numbers` clips, 0 to numbers - 1, are rendered per language)."""
    count = count_of(params)
    form = messages.plural_form(language, count) if count is not None else 0
    sentence = messages.template(key, language, count)
    clips: list[Clip] = []
    for item in _cut(_base_name(key, form), sentence):
        if isinstance(item, Clip):
            clips.append(item)
            continue
        said = _value_clips(item, params.get(item), language, numbers)
        if said is None:
            return None
        clips.extend(said)
    return clips


def catalog_clips(language: Language, numbers: int) -> list[Clip]:
    """Every clip of `language`: each prompt's words in each plural form, and the numbers
    0 to numbers - 1 (digits included)."""
    clips: list[Clip] = []
    for key in PROMPTS:
        for form, sentence in messages.variants(key, language).items():
            clips.extend(
                item for item in _cut(_base_name(key, form), sentence) if isinstance(item, Clip)
            )
    clips.extend(number_clip(value, language) for value in range(numbers))
    return clips
