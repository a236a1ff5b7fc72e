"""Turn the call flow's replies into TwiML, with the twilio library's builder."""

from __future__ import annotations

from starlette.responses import Response
from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

from voiceapp import ivr_prompts
from voiceapp.conferencing.call_flow import (
    STEPS,
    Ask,
    Forward,
    Hangup,
    Join,
    Line,
    RecordMessage,
    Reply,
)
from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.ivr_prompts import Speaker
from voiceapp.switchboard.extensions import is_sip_uri
from voiceapp.webhooks.state import accent_query, extension_query, state_query, url

# Conference status events we keep the roster with.
CONFERENCE_EVENTS = "start end join leave"


def say(parent: TwiML, line: Line, language: Language, speaker: Speaker) -> None:
    """Append one prompt to a <Response> or <Gather>: <Play> of our audio files when the
    media mode allows and they are there, else <Say> with the locale's voice. A line that
    carries its own language (the offer of the other one) is heard in it."""
    heard = ivr_prompts.utterance(
        line.key, line.language or language, dict(line.params), speaker, line.recording
    )
    if heard.urls:
        for media in heard.urls:
            parent.play(media)
    else:
        parent.say(heard.text, language=heard.locale, voice=heard.voice)


def render(reply: Reply, settings: Settings, accent: str | None = None) -> VoiceResponse:
    """The TwiML for `reply`. `accent` is the dialled number's text-to-speech locale, as the
    call state that led here carried it; a question (Ask) carries its own."""
    response = VoiceResponse()
    then = reply.then
    speaker = Speaker(settings, then.state.accent if isinstance(then, Ask) else accent)
    if isinstance(then, Ask):
        step = STEPS[then.state.step]
        query = state_query(then.state)
        gather = response.gather(
            input="dtmf",
            finish_on_key="#",
            num_digits=step.max_digits,
            timeout=settings.gather_timeout_seconds,
            action=url(settings.public_url, "/voice/gather", query),
            method="POST",
            action_on_empty_result=False,
        )
        for line in (*reply.lines, Line(step.prompt)):
            say(gather, line, reply.language, speaker)
        # A <Gather> that times out with no digits falls through to the next verb.
        response.redirect(url(settings.public_url, "/voice/silence", query), method="POST")
        return response
    for line in reply.lines:
        say(response, line, reply.language, speaker)
    if isinstance(then, Forward):
        forward(response, then, reply.language, speaker)
        return response
    if isinstance(then, RecordMessage):
        record_message(response, then, reply.language, speaker)
        # Read only when nothing at all was recorded: the carrier then skips the action.
        for line in then.if_silent:
            say(response, line, reply.language, speaker)
    if isinstance(then, Join):
        # The carrier hangs the caller up at the time limit: no seat is ever needed for
        # longer, which is what lets a seat whose hang-up was lost be freed (seats).
        dial = response.dial(time_limit=settings.call_time_limit_seconds)
        dial.conference(
            then.conference,
            max_participants=then.capacity,
            start_conference_on_enter=True,
            end_conference_on_exit=False,
            beep=True,
            wait_url=url(settings.public_url, "/voice/hold", _hold_query(reply.language, speaker)),
            wait_method="POST",
            status_callback=url(settings.public_url, "/voice/conference-status"),
            status_callback_event=CONFERENCE_EVENTS,
            status_callback_method="POST",
        )
        # The conference ended or the caller was removed: end the call politely.
        say(response, Line("goodbye"), reply.language, speaker)
    assert isinstance(then, Join | Hangup | RecordMessage)
    response.hangup()
    return response


def forward(response: VoiceResponse, then: Forward, language: Language, speaker: Speaker) -> None:
    """One <Dial> ringing every target at once; its action hears how it went."""
    dial = response.dial(
        timeout=then.timeout,
        action=_extension_url("/voice/dial-result", then.extension, language, speaker),
        method="POST",
    )
    for target in then.targets:
        if is_sip_uri(target):
            dial.sip(target)
        else:
            dial.number(target)


def record_message(
    response: VoiceResponse, then: RecordMessage, language: Language, speaker: Speaker
) -> None:
    response.record(
        max_length=then.max_length,
        finish_on_key="#",
        play_beep=True,
        action=_extension_url("/voice/voicemail", then.extension, language, speaker),
        method="POST",
    )


def _extension_url(path: str, extension: str, language: Language, speaker: Speaker) -> str:
    """A callback of a call put through to `extension`: its language and its voice ride
    along, so what it says next sounds the same."""
    query = {**extension_query(language, extension), **accent_query(speaker.accent)}
    return url(speaker.settings.public_url, path, query)


def _hold_query(language: Language, speaker: Speaker) -> dict[str, str]:
    return {"lang": language.value, **accent_query(speaker.accent)}


def hold_music(language: Language, speaker: Speaker) -> VoiceResponse:
    """What a caller alone in a room hears until someone joins (the conference waitUrl):
    our own hold music, looped by the carrier (loop=0) until the conference starts."""
    response = VoiceResponse()
    say(response, Line("please_wait"), language, speaker)
    music = ivr_prompts.hold_music_url(speaker.settings)
    if music is not None:
        response.play(music, loop=0)
        return response
    # Not generated yet (voiceapp prompts render): a pause, then this document again.
    response.pause(length=20)
    response.redirect(
        url(speaker.settings.public_url, "/voice/hold", _hold_query(language, speaker)),
        method="POST",
    )
    return response


def apology(languages: tuple[Language, ...], settings: Settings) -> VoiceResponse:
    """Technical problem, then hangup. Touches no database: it is what callers hear
    when anything else has failed."""
    response = VoiceResponse()
    for language in languages:
        say(response, Line("technical_problem"), language, Speaker(settings))
    response.hangup()
    return response


def xml(response: VoiceResponse | str) -> Response:
    return Response(str(response), media_type="application/xml")
