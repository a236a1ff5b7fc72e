"""Turn the call flow's replies into TwiML, with the twilio library's builder."""

from __future__ import annotations

from starlette.responses import Response
from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

from voiceapp import ivr_prompts
from voiceapp.conferencing.call_flow import STEPS
from voiceapp.conferencing.replies import (
    Ask,
    Forward,
    Hangup,
    Join,
    Line,
    MenuAsk,
    MenuState,
    RecordMessage,
    Reply,
)
from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.ivr_prompts import Speaker
from voiceapp.switchboard.extensions import is_sip_uri
from voiceapp.webhooks.state import accent_query, extension_query, menu_query, state_query, url

# Conference status events we keep the roster with (who is in, muted, on hold).
CONFERENCE_EVENTS = "start end join leave mute hold modify"
# The <Conference record> value that records from the conference's start to its end.
RECORD_FROM_START = "record-from-start"


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
    if isinstance(then, MenuAsk):
        menu_ask(response, reply, then, speaker)
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
        join(response, then, reply.language, speaker)
        # With the <Dial>'s action the call goes on there: nothing after it is reached.
        return response
    assert isinstance(then, Hangup | RecordMessage)
    response.hangup()
    return response


def join(response: VoiceResponse, then: Join, language: Language, speaker: Speaker) -> None:
    """<Dial><Conference> as the room's settings and the caller's part say. * takes the
    caller out to the keypad menu (hangupOnStar: there is no keypad inside <Conference>),
    at the <Dial>'s action, which also hears of a removal or the conference's end."""
    settings = speaker.settings
    menu_state = MenuState(then.room_id, language, accent=speaker.accent)
    # The carrier hangs the caller up at the time limit: no seat is ever needed for
    # longer, which is what lets a seat whose hang-up was lost be freed (seats).
    dial = response.dial(
        time_limit=settings.call_time_limit_seconds,
        hangup_on_star=True,
        action=url(settings.public_url, "/voice/menu", menu_query(menu_state)),
        method="POST",
    )
    hold = _hold_query(language, speaker)
    if then.waits_for_host:
        hold["host"] = "wait"
    recording: dict[str, str] = {}
    if then.record:
        # Only the first participant's settings count at the carrier: every join says it.
        recording = {
            "record": RECORD_FROM_START,
            "recording_status_callback": url(
                settings.public_url, "/voice/recording-status", {"room": str(then.room_id)}
            ),
            "recording_status_callback_method": "POST",
            "recording_status_callback_event": "completed",
        }
    dial.conference(
        then.conference,
        max_participants=then.capacity,
        start_conference_on_enter=then.start_on_enter,
        end_conference_on_exit=then.end_on_exit,
        muted=then.muted,
        beep=then.tones,
        wait_url=url(settings.public_url, "/voice/hold", hold),
        wait_method="POST",
        status_callback=url(settings.public_url, "/voice/conference-status"),
        status_callback_event=CONFERENCE_EVENTS,
        status_callback_method="POST",
        **recording,
    )


def menu_ask(response: VoiceResponse, reply: Reply, then: MenuAsk, speaker: Speaker) -> None:
    """One key of the keypad menu: "#" is a choice here (back to the conference), so no
    key finishes the entry; silence falls through to the way back."""
    settings = speaker.settings
    query = menu_query(then.state)
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        finish_on_key="",
        timeout=settings.gather_timeout_seconds,
        action=url(settings.public_url, "/voice/menu-key", query),
        method="POST",
        action_on_empty_result=False,
    )
    for line in reply.lines:
        say(gather, line, reply.language, speaker)
    response.redirect(url(settings.public_url, "/voice/menu-silence", query), method="POST")


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


def hold_music(language: Language, speaker: Speaker, *, for_host: bool = False) -> VoiceResponse:
    """What a caller alone in a room hears until someone joins (the conference waitUrl),
    or, `for_host`, until the room's host does: our own hold music, looped by the
    carrier (loop=0) until the conference starts."""
    response = VoiceResponse()
    say(response, Line("host_not_here" if for_host else "please_wait"), language, speaker)
    music = ivr_prompts.hold_music_url(speaker.settings)
    if music is not None:
        response.play(music, loop=0)
        return response
    # Not generated yet (voiceapp prompts render): a pause, then this document again.
    response.pause(length=20)
    query = _hold_query(language, speaker)
    if for_host:
        query["host"] = "wait"
    response.redirect(url(speaker.settings.public_url, "/voice/hold", query), method="POST")
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
