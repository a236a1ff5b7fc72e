"""Every sentence a caller hears, by prompt key and language.

Handlers and the call flow name prompts by key (see `catalog.PROMPTS`); nothing else in
the code holds a caller-facing sentence.
"""

from voiceapp.ivr_prompts.catalog import PROMPTS, say_language, text

__all__ = ["PROMPTS", "say_language", "text"]
