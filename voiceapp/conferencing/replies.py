"""What the call flow answers and remembers, in the product's words: a `Reply` (lines to
say, then what happens: ask for digits, join a room, open the keypad menu, ring, record,
hang up) that webhooks.twiml renders, and the per-call state (`CallState`, `MenuState`)
that rides in the query of the callback URLs the carrier signs (webhooks.state).

Nothing here knows HTTP or TwiML: call_flow (the steps before the room), menu_flow (the
keypad menu inside it) and switchboard.routing build these; the webhooks render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from voiceapp.carrier import accounts
from voiceapp.conferencing import rooms
from voiceapp.core.models import Language, Room
from voiceapp.core.settings import Settings
from voiceapp.history.call_records import CallOutcome

StepName = Literal["ask_id", "ask_pin", "ask_extension"]


@dataclass(frozen=True)
class CallState:
    """What the bridge remembers between two webhooks of one call."""

    step: StepName = "ask_id"
    language: Language = Language.FR
    tries: int = 0  # wrong entries at this step
    quiet: int = 0  # timeouts in a row at this step
    room_id: int | None = None  # the room whose PIN is being asked
    accent: str | None = None  # the dialled number's text-to-speech locale (es-MX), if set


# A prompt's placeholders, as (name, value) pairs: a reply is a value, kept and compared
# whole (the rendered TwiML of a reply is reused; see webhooks.answers).
Params = tuple[tuple[str, str | int], ...]


@dataclass(frozen=True)
class Line:
    """One sentence to say: a prompt key and its placeholders."""

    key: str
    params: Params = ()
    # Said in this language rather than the reply's (the offer of the other language).
    language: Language | None = None
    # A recorded file (path under the media directory) played instead, while it exists.
    recording: str | None = None


@dataclass(frozen=True)
class Ask:
    """Gather digits for `state.step`, then come back with them."""

    state: CallState


@dataclass(frozen=True)
class MenuState:
    """What the keypad menu inside a conference remembers between two keys."""

    room_id: int
    language: Language = Language.FR
    wrong: int = 0  # wrong keys in a row
    accent: str | None = None


@dataclass(frozen=True)
class MenuAsk:
    """One key of the keypad menu (menu.ITEMS), then come back with it: the reply's lines
    are said while the caller may already press it."""

    state: MenuState


@dataclass(frozen=True)
class Join:
    """Into the room's conference on the carrier (see rooms.conference_name), as the room's
    settings and this caller's part in it say."""

    conference: str
    capacity: int
    room_id: int
    # Typed the host PIN: starts the conference (and ends it on leaving, `end_on_exit`).
    host: bool = False
    # False in a room that waits for its host: the caller hears hold music until then.
    start_on_enter: bool = True
    end_on_exit: bool = False
    muted: bool = False
    # Entry and exit tones (beep). Off on the way back from the keypad menu.
    tones: bool = True
    record: bool = False
    # The waiting caller's hold music says the host has not joined yet.
    waits_for_host: bool = False

    @classmethod
    def room(
        cls,
        room: Room,
        *,
        host: bool = False,
        muted: bool | None = None,
        tones: bool = True,
        ended_by_voiceapp: bool = False,
    ) -> Join:
        """Joining `room`; `muted` None: as the room mutes newcomers (hosts never).

        `ended_by_voiceapp`: voiceapp can end the conference through the carrier's REST
        API, and does when a host's call ends (controls.end_when_host_gone). The carrier's
        own endConferenceOnExit would also end it when the host merely presses * for the
        keypad menu; it is the way only when voiceapp has no REST API for the call."""
        waits = room.wait_for_host and not host
        return cls(
            rooms.conference_name(room),
            room.capacity,
            room.pk,
            host=host,
            start_on_enter=not waits,
            end_on_exit=host and room.end_with_host and not ended_by_voiceapp,
            muted=(room.muted_on_entry and not host) if muted is None else muted,
            tones=tones and room.tones,
            record=room.record,
            waits_for_host=waits,
        )


async def voiceapp_ends_conference(
    room: Room, *, host: bool, account_sid: str | None, settings: Settings
) -> bool:
    """Whether voiceapp itself ends `room`'s conference when this caller's call ends
    (controls.end_when_host_gone): a host of a room that ends with its host, on a call
    whose conference voiceapp controls through a REST API. Such a host joins without the
    carrier's endConferenceOnExit (`Join.room`'s `ended_by_voiceapp`)."""
    return host and room.end_with_host and await accounts.controls_calls_of(account_sid, settings)


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Forward:
    """Ring every target at once (E.164 numbers, SIP URIs) for `timeout` seconds; the first
    to answer takes the call. How it went comes back for `extension` (see `routing`)."""

    extension: str
    targets: tuple[str, ...]
    timeout: int


@dataclass(frozen=True)
class RecordMessage:
    """Record a voicemail for `extension`, at most `max_length` seconds; when the caller
    says nothing at all, say `if_silent` and hang up."""

    extension: str
    max_length: int
    if_silent: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Reply:
    language: Language
    lines: tuple[Line, ...]
    then: Ask | MenuAsk | Join | Hangup | Forward | RecordMessage
    # What the call's history says from this reply on (None: nothing new), written by the
    # webhook that answers it. Not part of the reply's identity: the TwiML, kept per reply
    # (webhooks.answers), is the same whatever the history says.
    outcome: CallOutcome | None = field(default=None, compare=False)
