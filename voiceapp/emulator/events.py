"""What happened on an emulated call, one event at a time, as the transcript shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One thing that happened on the call, as the transcript shows it."""

    # say, play, pause, gather, keypad, silence, redirect, conference, full, hangup, error,
    # lost (a callback the carrier was told to lose)
    kind: str
    text: str
    language: str = ""

    def __str__(self) -> str:
        marks = {
            "say": "🔊",
            "play": "▶",
            "pause": "…",
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
        }
        language = f"[{self.language}] " if self.language else ""
        return f"{marks.get(self.kind, '·')} {language}{self.text}"
