"""Turn the call flow's replies into TwiML, with the twilio library's builder."""

from __future__ import annotations

from starlette.responses import Response
from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

from voiceapp import bridge, ivr_prompts
from voiceapp.call_flow import STEPS, Ask, Forward, Hangup, Join, Line, RecordMessage, Reply
from voiceapp.extensions import is_sip_uri
from voiceapp.models import Language
from voiceapp.settings import Settings
from voiceapp.webhooks.state import extension_query, state_query, url

# Conference status events we keep the roster with.
CONFERENCE_EVENTS = "start end join leave"


def say(parent: TwiML, line: Line, language: Language) -> None:
    """Append one sentence to a <Response> or <Gather>."""
    parent.say(
        ivr_prompts.text(line.key, language, line.params),
        language=ivr_prompts.say_language(language),
    )


def render(reply: Reply, settings: Settings) -> VoiceResponse:
    response = VoiceResponse()
    then = reply.then
    if isinstance(then, Ask):
        step = STEPS[then.state.step]
        query = state_query(then.state)
        gather = response.gather(
            input="dtmf",
            finish_on_key="#",
            timeout=settings.gather_timeout_seconds,
            action=url(settings.public_url, "/voice/gather", query),
            method="POST",
            action_on_empty_result=False,
        )
        for line in (*reply.lines, Line(step.prompt)):
            say(gather, line, reply.language)
        # A <Gather> that times out with no digits falls through to the next verb.
        response.redirect(url(settings.public_url, "/voice/silence", query), method="POST")
        return response
    for line in reply.lines:
        say(response, line, reply.language)
    if isinstance(then, Forward):
        forward(response, then, reply.language, settings)
        return response
    if isinstance(then, RecordMessage):
        record_message(response, then, reply.language, settings)
        # Read only when nothing at all was recorded: the carrier then skips the action.
        for line in then.if_silent:
            say(response, line, reply.language)
    if isinstance(then, Join):
        room = then.room
        dial = response.dial()
        dial.conference(
            bridge.conference_name(room),
            max_participants=room.capacity,
            start_conference_on_enter=True,
            end_conference_on_exit=False,
            beep=True,
            wait_url=url(settings.public_url, "/voice/hold", {"lang": reply.language.value}),
            wait_method="POST",
            status_callback=url(settings.public_url, "/voice/conference-status"),
            status_callback_event=CONFERENCE_EVENTS,
            status_callback_method="POST",
        )
        # The conference ended or the caller was removed: end the call politely.
        say(response, Line("goodbye"), reply.language)
    assert isinstance(then, Join | Hangup | RecordMessage)
    response.hangup()
    return response


def forward(response: VoiceResponse, then: Forward, language: Language, settings: Settings) -> None:
    """One <Dial> ringing every target at once; its action hears how it went."""
    dial = response.dial(
        timeout=then.timeout,
        action=url(
            settings.public_url, "/voice/dial-result", extension_query(language, then.extension)
        ),
        method="POST",
    )
    for target in then.targets:
        if is_sip_uri(target):
            dial.sip(target)
        else:
            dial.number(target)


def record_message(
    response: VoiceResponse, then: RecordMessage, language: Language, settings: Settings
) -> None:
    response.record(
        max_length=then.max_length,
        finish_on_key="#",
        play_beep=True,
        action=url(
            settings.public_url, "/voice/voicemail", extension_query(language, then.extension)
        ),
        method="POST",
    )


def hold_music(language: Language, settings: Settings) -> VoiceResponse:
    """What a caller alone in a room hears until someone joins (the conference waitUrl)."""
    response = VoiceResponse()
    say(response, Line("please_wait"), language)
    response.pause(length=20)
    response.redirect(
        url(settings.public_url, "/voice/hold", {"lang": language.value}), method="POST"
    )
    return response


def apology(languages: tuple[Language, ...]) -> VoiceResponse:
    """Technical problem, then hangup. Touches no database: it is what callers hear
    when anything else has failed."""
    response = VoiceResponse()
    for language in languages:
        say(response, Line("technical_problem"), language)
    response.hangup()
    return response


def xml(response: VoiceResponse | str) -> Response:
    return Response(str(response), media_type="application/xml")
