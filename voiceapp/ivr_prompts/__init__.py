"""Every sentence a caller hears, by prompt key and language.

Handlers and the call flow name prompts by key (see `catalog.PROMPTS`, in English);
translations come from the babel catalogs under locales/. Nothing else in the code holds a
caller-facing sentence. `utterance` turns a prompt into what the caller hears: text for
<Say>, or our rendered audio files for <Play>.
"""

from voiceapp.ivr_prompts.catalog import PROMPTS
from voiceapp.ivr_prompts.playback import Speaker, Utterance, hold_music_url, utterance
from voiceapp.ivr_prompts.speech import text

__all__ = ["PROMPTS", "Speaker", "Utterance", "hold_music_url", "text", "utterance"]
