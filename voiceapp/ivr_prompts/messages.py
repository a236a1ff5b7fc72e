"""A prompt's sentence in a caller's language, through the babel catalogs (voiceapp.core.i18n).

The sentence comes back as a template, placeholders unfilled: speech fills it for <Say>,
clips cuts it at the placeholders for <Play>.
"""

from __future__ import annotations

from collections.abc import Callable

from voiceapp.core import i18n
from voiceapp.core.models import Language
from voiceapp.ivr_prompts.catalog import PROMPTS

# Counts worth trying when looking for one example of each plural form of a language.
_PLURAL_PROBES = range(1000)


def _plural_rule(language: Language) -> Callable[[int], int]:
    """Which plural form (msgstr[i]) a count takes in `language`."""
    rule: Callable[[int], int] | None = getattr(i18n.translations(language.value), "plural", None)
    return rule if rule is not None else (lambda n: int(n != 1))  # English, the source


def plural_form(language: Language, count: int) -> int:
    return _plural_rule(language)(count)


def template(key: str, language: Language, count: int | None = None) -> str:
    """The translated sentence for `key`; for a counted prompt, the form `count` takes."""
    prompt = PROMPTS[key]
    if prompt.plural is None:
        return i18n.gettext(language.value, prompt.text)
    if count is None:
        raise ValueError(f"prompt {key!r} needs a count")
    return i18n.ngettext(language.value, prompt.text, prompt.plural, count)


def variants(key: str, language: Language) -> dict[int, str]:
    """Every form of `key` in `language` by plural form index: {0: sentence} for a prompt
    without a count, {0: singular, 1: plural, ...} for a counted one."""
    if PROMPTS[key].plural is None:
        return {0: template(key, language)}
    rule = _plural_rule(language)
    examples: dict[int, int] = {}
    for count in _PLURAL_PROBES:
        examples.setdefault(rule(count), count)
    return {form: template(key, language, count) for form, count in sorted(examples.items())}
