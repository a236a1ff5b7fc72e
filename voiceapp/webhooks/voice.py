"""The voice webhooks the carrier calls. Each one: read the form, call the domain, record
the outcome its reply carries (`answered`: the one place outcomes are written from), render."""

from __future__ import annotations

from starlette.routing import Route
from twilio.twiml.voice_response import VoiceResponse

from voiceapp.conferencing import call_flow, rooms, seats
from voiceapp.conferencing.call_flow import Reply
from voiceapp.core.models import Language
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller
from voiceapp.ivr_prompts import Speaker
from voiceapp.switchboard import numbers, routing
from voiceapp.webhooks import twiml
from voiceapp.webhooks.answers import AnswerCache
from voiceapp.webhooks.endpoint import VoiceRequest, voice_webhook
from voiceapp.webhooks.state import accent_from, language_from, state_from

# CallStatus values after which the call is over (the carrier's status callback).
CALL_OVER = {"completed", "busy", "failed", "no-answer", "canceled"}


def caller_of(voice: VoiceRequest) -> Caller:
    return Caller(call_sid=voice.call_sid, number=voice.caller, called=voice.called)


async def answered(voice: VoiceRequest, reply: Reply, accent: str | None = None) -> str:
    """The TwiML for `reply`, once the outcome it carries is in the call's history."""
    await call_records.record(caller_of(voice), reply.outcome)
    return voice.answer(reply, accent)


@voice_webhook
async def incoming(voice: VoiceRequest) -> VoiceResponse | str:
    answers: AnswerCache = voice.request.app.state.answers
    called, settings = voice.called, voice.settings

    # A first answer is the same for every call to the number, and kept (webhooks.answers):
    # it never ends a call, so it carries no outcome to record.
    async def build() -> str | None:
        destination = await numbers.lookup(called)
        if destination is None:
            return None
        reply = await routing.route(destination.extension, destination.language, settings)
        number = destination.phone_number
        return str(twiml.render(routing.as_dialled(reply, number), settings, number.say_locale))

    answer = await answers.answer(called, build)
    if answer is not None:
        return answer
    current = await rooms.get_bridge()
    language = current.default_language if current else Language.FR
    return await answered(voice, call_flow.not_in_service(language))


@voice_webhook
async def gather(voice: VoiceRequest) -> str:
    state = state_from(voice.query)
    digits = voice.digits.rstrip("#")
    if not digits:
        reply = call_flow.on_silence(state)
    else:
        reply = await routing.on_digits(state, digits, caller_of(voice), voice.settings)
    return await answered(voice, reply, state.accent)


@voice_webhook
async def silence(voice: VoiceRequest) -> str:
    state = state_from(voice.query)
    return await answered(voice, call_flow.on_silence(state), state.accent)


@voice_webhook
async def conference_status(voice: VoiceRequest) -> VoiceResponse:
    event = voice.field("StatusCallbackEvent")
    if event == "participant-join":
        await seats.confirm_join(voice.call_sid, voice.field("ConferenceSid"))
    elif event == "participant-leave":
        await seats.release_seat(voice.call_sid)
    elif event == "conference-end":
        await seats.release_conference(voice.field("ConferenceSid"))
    return VoiceResponse()


@voice_webhook
async def call_status(voice: VoiceRequest) -> VoiceResponse:
    if voice.field("CallStatus") in CALL_OVER:
        # The end first: a seat this call's own webhook is taking meanwhile either sees
        # it and takes none, or committed before and is freed just below. The seat is
        # freed even when the history could not be written.
        try:
            await call_records.end_call(caller_of(voice), voice.whole_number("CallDuration"))
        finally:
            await seats.release_seat(voice.call_sid)
    return VoiceResponse()


@voice_webhook
async def hold(voice: VoiceRequest) -> VoiceResponse:
    speaker = Speaker(voice.settings, accent_from(voice.query))
    return twiml.hold_music(language_from(voice.query), speaker)


@voice_webhook
async def fallback(voice: VoiceRequest) -> VoiceResponse:
    """The carrier's Fallback URL: static, no database, for when everything else failed."""
    return twiml.apology((Language.FR, Language.ES), voice.settings)


routes = [
    Route("/voice/incoming", incoming, methods=["POST"]),
    Route("/voice/gather", gather, methods=["POST"]),
    Route("/voice/silence", silence, methods=["POST"]),
    Route("/voice/conference-status", conference_status, methods=["POST"]),
    Route("/voice/status", call_status, methods=["POST"]),
    Route("/voice/hold", hold, methods=["POST", "GET"]),
    Route("/voice/fallback", fallback, methods=["POST", "GET"]),
]
