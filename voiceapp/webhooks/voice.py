"""The voice webhooks the carrier calls. Each one: read the form, call the domain, record
the outcome its reply carries (`answered`: the one place outcomes are written from), render."""

from __future__ import annotations

from starlette.routing import Route
from twilio.twiml.voice_response import VoiceResponse

from voiceapp.conferencing import call_flow, controls, rooms, seats
from voiceapp.conferencing.replies import Reply
from voiceapp.conferencing.seats import ParticipantReport
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
# A participant-leave's ParticipantCallStatus when the call goes on without the conference.
STILL_ON = {"in-progress", "ringing", "queued"}
# Callbacks that change a participant's flags (muted, on hold) and nothing else.
PARTICIPANT_CHANGES = {
    "participant-mute",
    "participant-unmute",
    "participant-hold",
    "participant-unhold",
    "participant-modify",
}
# A conference that ended because its last caller left: one out in the keypad menu keeps
# their seat, and their way back starts it again. Any other end is for everyone.
ENDED_BY_LEAVING = {"last-participant-left", "last-participant-kicked"}


def caller_of(voice: VoiceRequest) -> Caller:
    return Caller(
        call_sid=voice.call_sid,
        number=voice.caller,
        called=voice.called,
        account_sid=voice.field("AccountSid") or None,
    )


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


def _flag(voice: VoiceRequest, name: str) -> bool | None:
    value = voice.field(name)
    return None if value not in ("true", "false") else value == "true"


def participant_report(voice: VoiceRequest) -> ParticipantReport:
    return ParticipantReport(
        call_sid=voice.call_sid,
        conference_sid=voice.field("ConferenceSid"),
        account_sid=voice.field("AccountSid") or None,
        muted=_flag(voice, "Muted"),
        on_hold=_flag(voice, "Hold"),
        sequence=voice.whole_number("SequenceNumber") or 0,
    )


async def call_left(voice: VoiceRequest) -> None:
    """The call is over: its seat is freed, then a host's leaving may end the room's
    conference (one read of the seat, on the way out of every call)."""
    freed = await seats.free_seat(voice.call_sid)
    if freed is not None:
        await controls.end_when_host_gone(voice.settings, freed)


@voice_webhook
async def conference_status(voice: VoiceRequest) -> VoiceResponse:
    event = voice.field("StatusCallbackEvent")
    if event == "participant-join":
        await seats.confirm_join(participant_report(voice))
    elif event == "participant-leave":
        if voice.field("ParticipantCallStatus") in STILL_ON:
            # Out to the keypad menu, removed, or the conference ended: the seat is kept
            # for the way back until one of those says otherwise (menu_flow).
            await seats.step_out(participant_report(voice))
        else:
            await call_left(voice)
    elif event in PARTICIPANT_CHANGES:
        await seats.participant_changed(participant_report(voice))
    elif event == "conference-end":
        reason = voice.field("ReasonConferenceEnded")
        await seats.release_conference(
            voice.field("ConferenceSid"),
            room_id=rooms.room_id_of(voice.field("FriendlyName")),
            for_everyone=reason not in ENDED_BY_LEAVING,
        )
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
            await call_left(voice)
    return VoiceResponse()


@voice_webhook
async def hold(voice: VoiceRequest) -> VoiceResponse:
    speaker = Speaker(voice.settings, accent_from(voice.query))
    for_host = voice.query.get("host") == "wait"
    return twiml.hold_music(language_from(voice.query), speaker, for_host=for_host)


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
