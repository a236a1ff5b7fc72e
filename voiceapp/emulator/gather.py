"""<Gather>: its prompts play, then the caller's keypad (keypad.py) types an entry."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from voiceapp.emulator.keypad import Gathering

if TYPE_CHECKING:
    from voiceapp.emulator.call import EmulatedCall

Next = tuple[str | None, dict[str, str] | None]


async def gather(call: EmulatedCall, verb: ET.Element) -> Next | None:
    """Returns the action to fetch with the entry, (None, None) when the caller hung
    up meanwhile, or None to go on with the next verb (no key pressed)."""
    for child in verb:
        await call.speak(child)
    action = call.absolute(verb.get("action") or "")
    gathering = Gathering.of(verb)
    if call.keypad.live:
        call.note("gather", str(gathering))
    typed = await call.keypad.entry(gathering)
    if call.keypad.hung_up:
        return None, None
    if typed is None:
        call.note("silence", f"(no key pressed for {verb.get('timeout', '5')} s)")
        if verb.get("actionOnEmptyResult") == "true":
            return action, {"Digits": ""}
        return None
    digits = typed
    finish = verb.get("finishOnKey", "#")
    if finish and finish in digits:
        digits = digits[: digits.index(finish)]
    limit = verb.get("numDigits")
    if limit and limit.isdigit():
        digits = digits[: int(limit)]
    call.note("keypad", typed)
    return action, {"Digits": digits, "FinishedOnKey": finish if finish in typed else ""}
