"""Per-call state in the query of callback URLs we hand the carrier.

The carrier signs the whole URL it requests, query included, so once signatures are
checked these values cannot be forged by a caller. Unreadable values fall back to the
start of the flow rather than failing: a caller always hears something sensible.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from voiceapp.conferencing.call_flow import STEPS
from voiceapp.conferencing.replies import CallState, MenuState, StepName
from voiceapp.core.models import Language
from voiceapp.core.say_locales import parse_locale


def state_query(state: CallState) -> dict[str, str]:
    query = {
        "step": state.step,
        "lang": state.language.value,
        "tries": str(state.tries),
        "quiet": str(state.quiet),
    }
    if state.room_id is not None:
        query["room"] = str(state.room_id)
    query.update(accent_query(state.accent))
    return query


def accent_query(accent: str | None) -> dict[str, str]:
    return {"accent": accent} if accent else {}


def accent_from(query: Mapping[str, str]) -> str | None:
    raw = query.get("accent")
    return parse_locale(raw) if raw else None


def _small_int(raw: str | None, default: int = 0) -> int:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return default
    return int(raw)


def language_from(query: Mapping[str, str], default: Language = Language.FR) -> Language:
    try:
        return Language(query.get("lang", default.value))
    except ValueError:
        return default


def _step(raw: str | None) -> StepName:
    return next((name for name in STEPS if name == raw), "ask_id")


def state_from(query: Mapping[str, str]) -> CallState:
    room = query.get("room")
    return CallState(
        step=_step(query.get("step")),
        language=language_from(query),
        tries=_small_int(query.get("tries")),
        quiet=_small_int(query.get("quiet")),
        room_id=_small_int(room) if room else None,
        accent=accent_from(query),
    )


def menu_query(state: MenuState) -> dict[str, str]:
    """The keypad menu's state; also the query of the <Dial> action that opens it."""
    query = {"lang": state.language.value, "room": str(state.room_id)}
    if state.wrong:
        query["wrong"] = str(state.wrong)
    query.update(accent_query(state.accent))
    return query


def menu_state_from(query: Mapping[str, str]) -> MenuState | None:
    """None without a room: nothing to go back to (the caller hears goodbye)."""
    room = _small_int(query.get("room"), default=-1)
    if room < 0:
        return None
    return MenuState(
        room_id=room,
        language=language_from(query),
        wrong=_small_int(query.get("wrong")),
        accent=accent_from(query),
    )


def extension_query(language: Language, extension: str) -> dict[str, str]:
    """The state of a call put through to an extension: its language, which extension."""
    return {"lang": language.value, "ext": extension}


def extension_from(query: Mapping[str, str]) -> str:
    return query.get("ext", "")


def url(public_url: str, path: str, query: Mapping[str, str] | None = None) -> str:
    """An absolute URL the carrier will call back: VOICEAPP_PUBLIC_URL + path + query."""
    return public_url + path + (("?" + urlencode(query)) if query else "")
