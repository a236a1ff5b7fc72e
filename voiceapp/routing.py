"""Where a call to one of our numbers goes, by the kind of extension the number reaches.

    kind               the caller hears                       then
    conference_server  call_flow.greet                        the conference steps (call_flow)
    user               ringing: <Dial> to its forward_to      answered: done; else voicemail
    ring_group         ringing: one <Dial> to every member    first to answer takes it; else
                                                              the group's voicemail
    receptionist       receptionist_greeting, language_offer, a configured extension:
                       ask_extension                          transferring, then its row above
                                                              else unknown_extension +
                                                              ask_extension (3 tries), goodbye
                                                              "*": the other language

    dial result (DialCallStatus)   says                        then
    completed, answered            -                           hangup
    busy                           line_busy, leave_message    record a message
    no-answer, canceled            no_answer, leave_message    record a message
    failed, anything else          unreachable, leave_message  record a message
    message recorded               message_saved, goodbye      hangup
    nothing recorded               no_input, goodbye           hangup

Toll fraud: what a caller types at the receptionist is only ever looked up as an extension
number, and only configured targets (users' forward_to) are dialled, never keypad digits.
Like call_flow, nothing here knows HTTP or TwiML: each function returns a `Reply`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from voiceapp import call_flow, call_records, voicemail
from voiceapp.call_flow import Ask, CallState, Forward, Hangup, Line, RecordMessage, Reply
from voiceapp.call_records import Caller, Outcome
from voiceapp.extensions import find_extension
from voiceapp.models import Extension, ExtensionKind, Language, PhoneNumber
from voiceapp.settings import Settings

# DialCallStatus values that mean someone took the call.
ANSWERED = frozenset({"completed", "answered"})
# Why nobody took it, as the caller hears it; any other status is "unreachable".
NOT_ANSWERED: dict[str, str] = {
    "busy": "line_busy",
    "no-answer": "no_answer",
    "canceled": "no_answer",
    "failed": "unreachable",
}

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
    return Reply(
        language,
        (
            Line("receptionist_greeting"),
            Line("language_offer", language=call_flow.other_language(language)),
        ),
        Ask(CallState(step="ask_extension", language=language)),
    )


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


# ---- the virtual receptionist ------------------------------------------------------------


async def on_digits(state: CallState, digits: str, caller: Caller, settings: Settings) -> Reply:
    """The caller typed `digits` at `state.step`: the receptionist's step is answered here,
    the conference steps by call_flow."""
    if state.step != "ask_extension":
        return await call_flow.on_digits(state, digits, caller, settings)
    if digits == "*":
        language = call_flow.other_language(state.language)
        return Reply(
            language,
            (Line("receptionist_greeting"),),
            Ask(replace(state, language=language, quiet=0)),
        )
    target = await find_extension(digits)
    # Put through to the receptionist from itself, a caller would only go round in circles.
    if target is None or target.kind is ExtensionKind.RECEPTIONIST:
        return await call_flow.wrong_entry(
            state, caller, Line("unknown_extension"), Outcome.UNKNOWN_EXTENSION
        )
    reply = await route(target, state.language, settings)
    return replace(reply, lines=(Line("transferring"), *reply.lines))


# ---- after the ringing ---------------------------------------------------------------------


async def on_dial_result(
    extension: str, status: str, language: Language, caller: Caller, settings: Settings
) -> Reply:
    """The carrier's Dial action: `status` is its DialCallStatus."""
    if status in ANSWERED:
        await call_records.set_outcome(caller, Outcome.FORWARDED)
        return Reply(language, (), Hangup())
    reason = NOT_ANSWERED.get(status, "unreachable")
    return take_message(extension, language, settings, Line(reason))


async def on_message(message: voicemail.Message, language: Language) -> Reply:
    """The carrier's Record action: keep the message, thank the caller."""
    if not message.recording.url:  # nothing the admin could ever listen to
        return call_flow.goodbye(language, Line("no_input"))
    await voicemail.save_message(message)
    await call_records.set_outcome(
        Caller(message.call_sid, message.caller, message.called), Outcome.VOICEMAIL
    )
    return call_flow.goodbye(language, Line("message_saved"))
