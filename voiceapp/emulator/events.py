"""What happened on an emulated call, one event at a time, as the transcript shows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One thing that happened on the call, as the transcript shows it."""

    # say, play, pause, gather (a live keypad is listening), keypad, silence, redirect,
    # conference, full, hold, ring, record, hangup, error, lost (a callback the carrier was
    # told to lose); inside a conference: wait (for the host to start it), menu (* took the
    # caller out), tone (a caller came or went), muted, unmuted, held, unheld (by the host,
    # through the REST API), removed, ended (the conference), announce
    kind: str
    text: str
    language: str = ""
    # The audio URL of a <Play> (kinds play and hold), as the TwiML gave it.
    media: str = ""

    def __str__(self) -> str:
        marks = {
            "say": "🔊",
            "play": "▶",
            "pause": "…",
            "gather": "⌨",
            "keypad": "☎",
            "silence": "☎",
            "conference": "☰",
            "full": "✖",
            "hangup": "✆",
            "error": "!",
            "hold": "♫",
            "ring": "☏",
            "record": "●",
            "lost": "⌁",
            "wait": "⏳",
            "menu": "↩",
            "tone": "♪",
            "muted": "🔇",
            "unmuted": "🔈",
            "held": "⏸",
            "unheld": "⏵",
            "removed": "⏏",
            "ended": "■",
            "announce": "📢",
        }
        language = f"[{self.language}] " if self.language else ""
        return f"{marks.get(self.kind, '·')} {language}{self.text}"


# Who hears each event as it happens (a transcript printed live, the Test call page).
EventListener = Callable[[Event], None]
