"""What the Test call page shows and plays for each event of a call (test_call.py), in
the admin's language: the transcript's line, the text the browser speaks and in which
language, or the audio file it plays (with the words of that file, when it is one of our
rendered prompts), and how many callers the caller's room has."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from voiceapp.conferencing import rooms, seats
from voiceapp.core.i18n import translations
from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.events import Event
from voiceapp.emulator.hold_twiml import LOOPED
from voiceapp.ivr_prompts import clips, messages
from voiceapp.ivr_prompts.catalog import PROMPTS
from voiceapp.media import paths

# A rendered number's clip ("number-7"): said alone, or as a value inside a sentence.
NUMBER_CLIP = re.compile(r"number-\d+")
# How a sentence ends; a piece of one that does not end so has a value after it.
SENTENCE_END = (".", "!", "?", "…")


@dataclass(frozen=True)
class Heard:
    """An event of the call, with the conference the caller was in at that moment."""

    event: Event
    conference: str = ""  # the carrier's name of the conference the caller is in

    @classmethod
    def on(cls, call: EmulatedCall, event: Event) -> Heard:
        if call.conference is None:
            return cls(event)
        return cls(event, call.conference.name)


@dataclass(frozen=True)
class Recount:
    """Time to count the callers of the caller's room again: others come and go."""

    conference: str


class Sentences:
    """Which played clips go on the line before them. A prompt with a value in it is
    several files ("Vous allez rejoindre la conférence", "1", "2", "3", "4"; clips.py cuts
    it so), and the transcript shows it as the one sentence it is. Nothing in the TwiML
    says where a prompt ends (its <Play>s follow one another), so the clips do: a piece
    that does not end a sentence is followed by its value (number clips), then by the next
    piece of the same sentence (same base name: "participants.1.1", "participants.1.2")."""

    def __init__(self) -> None:
        self._open = False  # the last line is a sentence still going on
        self._base: str | None = None  # whose pieces may come next (None: any)

    def close(self) -> None:
        """Anything else heard or done ends the sentence."""
        self._open = False

    def continues(self, name: str, text: str, *, whole: bool = False) -> bool:
        """Whether the clip `name`, saying `text`, goes on the line before it. `whole`: the
        clip is a prompt on its own, a line of its own."""
        if whole:
            self._open = False
            return False
        if NUMBER_CLIP.fullmatch(name):
            joins = self._open
            if not joins:  # a sentence that starts with its value
                self._base = None
            self._open = True
            return joins
        base = name.rsplit(".", 1)[0]
        joins = self._open and self._base in (None, base)
        self._base = base
        self._open = not text.rstrip().endswith(SENTENCE_END)
        return joins


async def callers_in(conference: str) -> tuple[str, int] | None:
    """The room behind the carrier's conference name ("voiceapp-room-7") and how many
    callers it has: every seat in it, whoever placed the call (the Live page's count),
    not only the test calls this worker's emulator knows. None: no such room."""
    for room in await rooms.list_rooms():
        if rooms.conference_name(room) == conference:
            return room.name, len(await seats.roster(room))
    return None


class Transcript:
    """The page's messages for one admin's call (see test_call.py for their shape)."""

    def __init__(self, language: str, settings: Settings) -> None:
        catalog = translations(language)
        self.gettext = catalog.gettext
        self.ngettext = catalog.ngettext
        self.public_url = settings.public_url
        self.numbers = settings.max_capacity  # the number clips rendered
        self.sentences = Sentences()
        self.callers: int | None = None  # the room's count the page last showed

    async def message(self, heard: Heard | Recount) -> dict[str, Any] | None:
        """The page's message for `heard`; None when there is nothing new to show."""
        if isinstance(heard, Recount):
            return await self._recount(heard.conference)
        event = heard.event
        message: dict[str, Any] = {"type": "event", "kind": event.kind, "line": ""}
        if event.kind == "play":
            message.update(self._heard(event))
        elif event.kind in ("say", "hold", "announce"):
            # An announcement (the carrier's AnnounceUrl) is heard as any prompt is.
            self.sentences.close()
            message.update(self._heard(event))
        elif event.kind == "conference":
            self.sentences.close()
            message["line"] = await self._in_conference(heard.conference) or event.text
        else:
            self.sentences.close()
            message["line"] = self._line(event)
        return message

    async def _in_conference(self, conference: str) -> str | None:
        found = await callers_in(conference)
        if found is None:
            return None
        room, self.callers = found
        return self.ngettext(
            "In conference %(room)s with %(count)s caller",
            "In conference %(room)s with %(count)s callers",
            self.callers,
        ) % {"room": room, "count": self.callers}

    async def _recount(self, conference: str) -> dict[str, Any] | None:
        """The status line again when the room's count changed since the page showed it."""
        before = self.callers
        line = await self._in_conference(conference)
        if line is None or self.callers == before:
            return None
        return {"type": "status", "line": line}

    def _heard(self, event: Event) -> dict[str, Any]:
        """A prompt: said by the carrier (the browser speaks the text in its language) or
        one of our files played (the browser plays it; hold music over and over)."""
        if not event.media:
            return {
                "line": event.text,
                "lang": event.language,
                "speak": {"text": event.text, "lang": event.language},
            }
        _ = self.gettext
        heard: dict[str, Any] = {}
        audio = self._site_path(event.media)
        relative = (audio or "").split("?")[0].removeprefix(paths.MEDIA_PREFIX + "/")
        clip = rendered_clip(relative, self.numbers)
        if event.text.endswith(LOOPED):
            heard["line"] = _("Hold music")
        elif clip is not None:
            heard["line"], heard["lang"] = clip.text, relative.split("/")[0]
            # One prompt is several files when it says a value: one line all the same.
            whole = clip.text in whole_sentences(relative.split("/")[0])
            if self.sentences.continues(clip.name, clip.text, whole=whole):
                heard["continues"] = True
        else:
            name = event.media.split("?")[0].rsplit("/", 1)[-1]
            heard["line"] = _("Played %(file)s") % {"file": name}
        if clip is None:
            self.sentences.close()
        if audio:
            heard.update(audio=audio, loop=event.text.endswith(LOOPED))
        return heard

    def _line(self, event: Event) -> str:
        _ = self.gettext
        lines = {
            "gather": _("Waiting for your keys"),
            "keypad": _("You pressed %(keys)s"),
            "silence": _("No key pressed in time"),
            "full": _("The room is full: the carrier turns the call away"),
            "hangup": _("Call ended"),
            "pause": _("A pause of %(detail)s"),
            "ring": _("Put through: %(detail)s"),
            "record": _("Voicemail: %(detail)s"),
            "error": _("Problem: %(detail)s"),
            # Inside the conference: what the carrier does to the caller there.
            "wait": _("Waiting for a host: the conference starts when one joins"),
            "menu": _("You pressed *: out of the conference, to the keypad menu"),
            "tone": self._tone(event),
            "muted": _("Muted: the others cannot hear you"),
            "unmuted": _("Unmuted: the others can hear you"),
            "held": _("Put on hold: you cannot hear the conference"),
            "unheld": _("Back from hold"),
            "removed": _("A host removed you from the conference"),
            "ended": _("The conference ended"),
        }
        # Redirects and the like are the carrier's business: no line.
        line = lines.get(event.kind, "")
        return line % {"keys": event.text, "detail": event.text}

    def _tone(self, event: Event) -> str:
        """A tone's line: the emulator's words say whether it is the entry or the exit
        tone (conferences.py: "entry tone: ...", "exit tone: ...")."""
        _ = self.gettext
        if event.text.startswith("entry"):
            return _("Tone: a caller joined")
        return _("Tone: a caller left")

    def _site_path(self, url: str) -> str | None:
        """Our media URL as a path on this site, which the page may load; None for any
        other (the page's Content-Security-Policy would refuse it anyway)."""
        if url.startswith(self.public_url + "/media/"):
            return url[len(self.public_url) :]
        return None


def rendered_clip(relative: str, numbers: int) -> clips.Clip | None:
    """Which of our rendered prompt files this is ("fr/greeting.wav"): its name and its
    words; None for any other file."""
    language = relative.split("/")[0]
    if language not in {member.value for member in Language}:
        return None
    return _clips_by_file(language, numbers).get(relative)


@cache
def whole_sentences(language: str) -> frozenset[str]:
    """The prompts of `language` with no value in them: each is one clip, a line alone."""
    every = (
        sentence.replace("%%", "%")
        for key in PROMPTS
        for sentence in messages.variants(key, Language(language)).values()
    )
    return frozenset(sentence for sentence in every if not clips.PLACEHOLDER.search(sentence))


@cache
def _clips_by_file(language: str, numbers: int) -> dict[str, clips.Clip]:
    every = clips.catalog_clips(Language(language), numbers)
    return {paths.clip_file(language, clip.name): clip for clip in every}
