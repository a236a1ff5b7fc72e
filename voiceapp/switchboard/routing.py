"""Where a call to one of our numbers goes, by the kind of extension the number reaches,
and what runs the keypad steps of call_flow.STEPS (the conference server's and the
virtual receptionist's alike).

    kind               the caller hears                       then
    conference_server  call_flow.greet                        the step ask_id (call_flow)
    user               ringing: <Dial> to its forward_to      answered: done; else voicemail
    ring_group         ringing: one <Dial> to every member    first to answer takes it; else
                                                              the group's voicemail
    receptionist       call_flow.welcome of ask_extension     the step ask_extension: a
                       (receptionist_greeting, the offer of   configured extension is put
                       the other language, ask_extension)     through (transferring, then
                                                              its row above); the rest of
                                                              its ways are in call_flow.STEPS

    dial result (DialCallStatus)   says                        then
    completed, answered            -                           hangup (outcome: forwarded)
    busy                           line_busy, leave_message    record a message
    no-answer, canceled            no_answer, leave_message    record a message
    failed, anything else          unreachable, leave_message  record a message
    message recorded               message_saved, goodbye      hangup (outcome: voicemail)
    nothing recorded               no_input, goodbye           hangup

Toll fraud: what a caller types at the receptionist is only ever looked up as an extension
number, and only configured targets (users' forward_to) are dialled, never keypad digits.
Like call_flow, nothing here knows HTTP or TwiML, nor writes the call's history: each
function returns a `Reply`, whose outcome the webhook that answers it records.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from voiceapp.conferencing import call_flow
from voiceapp.conferencing.call_flow import Entry, Reader
from voiceapp.conferencing.replies import (
    Ask,
    CallState,
    Forward,
    Hangup,
    Line,
    RecordMessage,
    Reply,
    StepName,
)
from voiceapp.core.models import Extension, ExtensionKind, Language, PhoneNumber
from voiceapp.core.settings import Settings
from voiceapp.history.call_records import Caller, CallOutcome, Outcome
from voiceapp.switchboard import voicemail
from voiceapp.switchboard.extensions import find_extension

# DialCallStatus values that mean someone took the call.
ANSWERED = frozenset({"completed", "answered"})
# Why nobody took it, as the caller hears it; any other status is "unreachable".
NOT_ANSWERED: dict[str, str] = {
    "busy": "line_busy",
    "no-answer": "no_answer",
    "canceled": "no_answer",
    "failed": "unreachable",
}

log = logging.getLogger(__name__)

Route = Callable[[Extension, Language, Settings], Awaitable[Reply]]
# The first lines a number's recorded greeting replaces (voiceapp prompts upload --number).
GREETINGS = frozenset({"greeting", "receptionist_greeting"})


async def _conference_server(extension: Extension, language: Language, _: Settings) -> Reply:
    return call_flow.greet(language)


async def _user(extension: Extension, language: Language, settings: Settings) -> Reply:
    targets = [extension.forward_to] if extension.forward_to else []
    return ring(extension.number, targets, language, settings)


async def _ring_group(extension: Extension, language: Language, settings: Settings) -> Reply:
    members = await extension.members.all().order_by("number")
    targets = [member.forward_to for member in members if member.forward_to]
    return ring(extension.number, targets, language, settings)


async def _receptionist(extension: Extension, language: Language, _: Settings) -> Reply:
    return call_flow.welcome(CallState(step="ask_extension", language=language))


ROUTES: dict[ExtensionKind, Route] = {
    ExtensionKind.CONFERENCE_SERVER: _conference_server,
    ExtensionKind.USER: _user,
    ExtensionKind.RING_GROUP: _ring_group,
    ExtensionKind.RECEPTIONIST: _receptionist,
}


async def route(extension: Extension, language: Language, settings: Settings) -> Reply:
    """The first answer to a call that reaches `extension`."""
    return await ROUTES[extension.kind](extension, language, settings)


def as_dialled(reply: Reply, number: PhoneNumber) -> Reply:
    """The first answer as the dialled number has it: its recorded greeting in place of the
    spoken one, and its own text-to-speech locale (es-MX...) kept in the call state."""
    lines = tuple(
        replace(line, recording=number.greeting_media) if line.key in GREETINGS else line
        for line in reply.lines
    )
    then = reply.then
    if isinstance(then, Ask):
        then = Ask(replace(then.state, accent=number.say_locale))
    return replace(reply, lines=lines, then=then)


def ring(extension: str, targets: list[str], language: Language, settings: Settings) -> Reply:
    """Ring every target at once; with none to ring, go straight to voicemail."""
    if not targets:
        return take_message(extension, language, settings, Line("unreachable"))
    unique = tuple(dict.fromkeys(targets))  # two members forwarding to one phone ring it once
    return Reply(language, (), Forward(extension, unique, settings.ring_timeout_seconds))


def take_message(extension: str, language: Language, settings: Settings, reason: Line) -> Reply:
    silent = (Line("no_input"), Line("goodbye"))
    return Reply(
        language,
        (reason, Line("leave_message")),
        RecordMessage(extension, settings.voicemail_max_seconds, if_silent=silent),
    )


# ---- the keypad steps -----------------------------------------------------------------------


async def read_extension(
    state: CallState, digits: str, caller: Caller, settings: Settings
) -> Entry:
    """The receptionist's step: an extension to put the call through to, with its own
    first answer, or "unknown"."""
    target = await find_extension(digits)
    # Put through to the receptionist from itself, a caller would only go round in circles.
    if target is None or target.kind is ExtensionKind.RECEPTIONIST:
        return Entry("unknown")
    return Entry("extension", transfer=await route(target, state.language, settings))


# Each step's reader: what the digits typed there amount to.
READERS: dict[StepName, Reader] = {
    "ask_id": call_flow.read_conference_id,
    "ask_pin": call_flow.read_pin,
    "ask_extension": read_extension,
}


async def read(state: CallState, digits: str, caller: Caller, settings: Settings) -> Entry:
    """What `digits` typed at `state.step` amount to: the offer of the other language
    taken, where the step makes it, or what the step's reader makes of them."""
    taken = call_flow.read_language_key(state, digits)
    if taken is not None:
        return taken
    return await READERS[state.step](state, digits, caller, settings)


async def on_digits(state: CallState, digits: str, caller: Caller, settings: Settings) -> Reply:
    """The caller typed `digits` (finishOnKey already stripped) at `state.step`: the way
    call_flow.STEPS gives for what they amount to."""
    entry = await read(state, digits, caller, settings)
    # What was gathered and what it was, never the digits (a PIN is a secret).
    log.debug(
        "call_sid=%s step=%s: the %s typed is %s",
        caller.call_sid,
        state.step,
        call_flow.STEPS[state.step].gathers,
        entry.result,
    )
    return call_flow.follow(state, entry)


# ---- after the ringing ---------------------------------------------------------------------


def on_dial_result(extension: str, status: str, language: Language, settings: Settings) -> Reply:
    """The carrier's Dial action: `status` is its DialCallStatus."""
    if status in ANSWERED:
        return Reply(language, (), Hangup(), CallOutcome(Outcome.FORWARDED))
    reason = NOT_ANSWERED.get(status, "unreachable")
    return take_message(extension, language, settings, Line(reason))


async def on_message(message: voicemail.Message, language: Language) -> Reply:
    """The carrier's Record action: keep the message, thank the caller."""
    if not message.recording.url:  # nothing the admin could ever listen to
        return call_flow.goodbye(language, Line("no_input"))
    await voicemail.save_message(message)
    return call_flow.goodbye(
        language, Line("message_saved"), outcome=CallOutcome(Outcome.VOICEMAIL)
    )
