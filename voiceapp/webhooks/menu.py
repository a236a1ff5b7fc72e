"""The keypad menu's webhooks: the <Dial> action a caller reaches by pressing * (or by
being removed, or by the conference's end), each key of the menu, and its silence. Thin:
the rules are in conferencing.menu_flow."""

from __future__ import annotations

from starlette.routing import Route

from voiceapp.conferencing import menu_flow
from voiceapp.conferencing.call_flow import goodbye
from voiceapp.conferencing.replies import Line, Reply
from voiceapp.webhooks.endpoint import VoiceRequest, voice_webhook
from voiceapp.webhooks.state import language_from, menu_state_from
from voiceapp.webhooks.voice import answered


def _no_room(voice: VoiceRequest) -> Reply:
    """A menu URL without its room (not one voiceapp made): goodbye rather than a guess."""
    return goodbye(language_from(voice.query), Line("conference_ended"))


@voice_webhook
async def left_conference(voice: VoiceRequest) -> str:
    state = menu_state_from(voice.query)
    if state is None:
        return await answered(voice, _no_room(voice))
    return await answered(
        voice, await menu_flow.left_conference(voice.call_sid, state), state.accent
    )


@voice_webhook
async def menu_key(voice: VoiceRequest) -> str:
    state = menu_state_from(voice.query)
    if state is None:
        return await answered(voice, _no_room(voice))
    key = voice.digits[:1]
    if not key:
        reply = await menu_flow.on_silence(voice.call_sid, state, voice.settings)
    else:
        reply = await menu_flow.on_key(voice.call_sid, state, key, voice.settings)
    return await answered(voice, reply, state.accent)


@voice_webhook
async def menu_silence(voice: VoiceRequest) -> str:
    state = menu_state_from(voice.query)
    if state is None:
        return await answered(voice, _no_room(voice))
    return await answered(
        voice, await menu_flow.on_silence(voice.call_sid, state, voice.settings), state.accent
    )


routes = [
    Route("/voice/menu", left_conference, methods=["POST"]),
    Route("/voice/menu-key", menu_key, methods=["POST"]),
    Route("/voice/menu-silence", menu_silence, methods=["POST"]),
]
