"""The caller's keypad: what is typed at each <Gather>, and when the caller hangs up.

Two keypads. `TypedAhead`: every entry is given before the call (tests, `voiceapp call
--digits`); each is typed whole at the next <Gather>, and once they run out the caller is
silent. `Handset`: a person presses keys as the call goes (the admin's Test call page), and
a <Gather> takes them one at a time as a carrier does:

- the <Gather>'s prompts play first; a key pressed meanwhile cuts them short and counts;
- once they have been heard (`heard()`; the prompts take the time the person's speaker
  takes to play them) `timeout` seconds without a key end the <Gather>: with what was
  typed so far, or with nothing (silence);
- finishOnKey ends it at once (the key is kept at the end of the entry, as TypedAhead
  entries carry it: "1234#"), and so does the numDigits-th key;
- keys pressed while no <Gather> is listening are lost, as on a carrier's line.

Inside a conference joined with <Dial hangupOnStar="true">, * takes the caller out of it
(in_conference.py): a Handset's * then counts (its other keys are lost), and a typed-ahead
entry that starts with * is that star press (the rest of the entry is not used).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Protocol

KEYS = frozenset("0123456789*#")
# A <Gather>'s timeout when the TwiML names none (Twilio's default).
DEFAULT_TIMEOUT_SECONDS = 5.0
# The longest a <Gather> waits for its prompts to be heard: past this the timeout starts
# anyway, so a page whose audio never ends cannot hold a call (and its seat) for ever.
PROMPT_LIMIT_SECONDS = 120.0


@dataclass(frozen=True)
class Gathering:
    """What one <Gather> listens for."""

    timeout: float
    finish_on_key: str  # "" when no key finishes the entry
    num_digits: int | None

    @classmethod
    def of(cls, verb: ET.Element) -> Gathering:
        try:
            timeout = float(verb.get("timeout") or DEFAULT_TIMEOUT_SECONDS)
        except ValueError:
            timeout = DEFAULT_TIMEOUT_SECONDS
        limit = verb.get("numDigits") or ""
        return cls(
            timeout=timeout,
            finish_on_key=verb.get("finishOnKey", "#")[:1],
            num_digits=int(limit) if limit.isdigit() and int(limit) > 0 else None,
        )

    def __str__(self) -> str:
        parts = [f"waiting for keys: {self.timeout:g} s of silence ends the entry"]
        if self.finish_on_key:
            parts.append(f"{self.finish_on_key} finishes it")
        if self.num_digits:
            parts.append(f"at most {self.num_digits} keys")
        return ", ".join(parts)


class Keypad(Protocol):
    """What an emulated call asks of the caller's keypad."""

    @property
    def live(self) -> bool:
        """Whether a person types as the call goes: the call then reports each wait."""
        ...

    @property
    def hung_up(self) -> bool: ...

    async def entry(self, gathering: Gathering) -> str | None:
        """What is typed at this <Gather>, finishing key included; None: nothing."""
        ...

    async def wait_hung_up(self) -> None:
        """Return once the caller hangs up (never, for a keypad with no person at it)."""
        ...

    def typed_star(self) -> bool:
        """Whether * was typed ahead for this moment in a conference (it is used up)."""
        ...

    async def star(self) -> None:
        """Return once * is pressed in the conference (never, with nobody at the keypad)."""
        ...


class TypedAhead:
    """Entries given up front, one per <Gather>."""

    live = False
    hung_up = False

    def __init__(self, entries: list[str] | None = None) -> None:
        # The list given, not a copy: an EmulatedCall's `entries` shows what is left.
        self.entries = entries if entries is not None else []

    async def entry(self, gathering: Gathering) -> str | None:
        return self.entries.pop(0) if self.entries else None

    async def wait_hung_up(self) -> None:
        await asyncio.Event().wait()  # nobody is there to hang up

    def typed_star(self) -> bool:
        if self.entries and self.entries[0].startswith("*"):
            self.entries.pop(0)
            return True
        return False

    async def star(self) -> None:
        await asyncio.Event().wait()  # entries are only typed at once (typed_star)


# What the person does, queued for the <Gather> that is listening.
_HEARD = "heard"
_HANG_UP = "hang up"


class Handset:
    """Keys pressed live, read by each <Gather> as the carrier reads them (module docstring)."""

    live = True

    def __init__(self, *, prompt_limit: float = PROMPT_LIMIT_SECONDS) -> None:
        self.prompt_limit = prompt_limit
        self._signals: asyncio.Queue[str] = asyncio.Queue()
        self._listening = False
        self._on_hook = asyncio.Event()
        # Set while the caller is in a conference that * leaves; set again by a *.
        self._in_conference: asyncio.Event | None = None

    @property
    def hung_up(self) -> bool:
        return self._on_hook.is_set()

    @property
    def listening(self) -> bool:
        """Whether a <Gather> is waiting for keys right now."""
        return self._listening

    @property
    def in_conference(self) -> bool:
        """Whether the caller is in a conference that * takes them out of, right now."""
        return self._in_conference is not None

    def press(self, key: str) -> bool:
        """One key. False when it is lost: not a keypad key, or no <Gather> listening."""
        if key not in KEYS or self.hung_up:
            return False
        if self._in_conference is not None:
            if key != "*":
                return False  # the others hear a tone; the carrier does nothing
            self._in_conference.set()
            return True
        if not self._listening:
            return False
        self._signals.put_nowait(key)
        return True

    def heard(self) -> None:
        """The prompts played so far have been heard: the <Gather>'s timeout starts."""
        if self._listening:
            self._signals.put_nowait(_HEARD)

    def hang_up(self) -> None:
        self._on_hook.set()
        self._signals.put_nowait(_HANG_UP)

    async def wait_hung_up(self) -> None:
        await self._on_hook.wait()

    def typed_star(self) -> bool:
        return False  # a person presses it when they choose: star()

    async def star(self) -> None:
        pressed = self._in_conference = asyncio.Event()
        try:
            await pressed.wait()
        finally:
            if self._in_conference is pressed:
                self._in_conference = None

    async def entry(self, gathering: Gathering) -> str | None:
        if self.hung_up:
            return None
        self._listening = True
        try:
            return await self._collect(gathering)
        finally:
            self._listening = False
            # Keys pressed after the entry ended are lost with it, not typed at the next one.
            while not self._signals.empty():
                self._signals.get_nowait()

    async def _collect(self, gathering: Gathering) -> str | None:
        loop = asyncio.get_running_loop()
        typed = ""
        timing = False  # the timeout runs once the prompts are heard or a key is pressed
        deadline = loop.time() + self.prompt_limit
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    signal = await self._signals.get()
            except TimeoutError:
                if timing:
                    return typed or None
                timing, deadline = True, loop.time() + gathering.timeout
                continue
            if signal == _HANG_UP:
                return None
            if signal == _HEARD:
                if not timing:
                    timing, deadline = True, loop.time() + gathering.timeout
                continue
            typed += signal
            if signal == gathering.finish_on_key:
                return typed
            if gathering.num_digits and len(typed) >= gathering.num_digits:
                return typed
            timing, deadline = True, loop.time() + gathering.timeout
