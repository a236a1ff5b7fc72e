"""What an update changed, told in each invitee's language: "Heure : 10:00 → 11:00".

A change keeps the old and the new value themselves, not their text: each invitee reads
them in their own language and date format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from voiceapp.core.i18n import N_, format_message
from voiceapp.scheduling.meeting_view import DialIn, MeetingView, RepeatRule
from voiceapp.scheduling.wording import (
    date_text,
    duration_text,
    repeat_text,
    time_text,
    zone_text,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Change(Generic[T]):
    """One field an update changed: its name (English, marked with N_), the values before
    and after, and how to write a value in a language. Without `show`, the label is a
    whole sentence and no values are printed (long texts such as the details)."""

    label: str
    old: T
    new: T
    show: Callable[[T, str], str] | None = None

    def text(self, language: str) -> str:
        label = format_message(language, self.label)
        if self.show is None:
            return label
        return format_message(
            language,
            # Translators: one changed field: its name, the old value, an arrow, the new.
            N_("%(what)s: %(old)s → %(new)s"),
            {
                "what": label,
                "old": self.show(self.old, language),
                "new": self.show(self.new, language),
            },
        )


def _plain(value: str, language: str) -> str:
    return value


def _repeat(rule: RepeatRule | None, language: str) -> str:
    return repeat_text(rule, language) if rule else format_message(language, N_("Does not repeat"))


def _zone(moment: datetime, language: str) -> str:
    return zone_text(moment, language)


def _pin(pin: str | None, language: str) -> str:
    return pin or format_message(language, N_("none"))


def changes_between(
    old: MeetingView,
    new: MeetingView,
    old_dial_in: DialIn | None = None,
    new_dial_in: DialIn | None = None,
) -> tuple[Change[Any], ...]:
    """Every difference an invitee should hear about, in the order a reader checks them."""
    found: list[Change[Any]] = []
    add = found.append
    if old.subject != new.subject:
        add(Change(N_("Subject"), old.subject, new.subject, _plain))
    old_day: date = old.start.date()
    new_day: date = new.start.date()
    if old_day != new_day:
        add(Change(N_("Day"), old_day, new_day, date_text))
    old_clock: time = old.start.time()
    new_clock: time = new.start.time()
    if old_clock != new_clock:
        add(Change(N_("Time"), old_clock, new_clock, time_text))
    if old.zone.key != new.zone.key:
        add(Change(N_("Time zone"), old.start, new.start, _zone))
    old_duration: timedelta = old.duration
    if old_duration != new.duration:
        add(Change(N_("Duration"), old_duration, new.duration, duration_text))
    if old.repeat != new.repeat:
        add(Change(N_("Repeats"), old.repeat, new.repeat, _repeat))
    if old.details != new.details:
        add(Change(N_("The details have changed: read them below."), old.details, new.details))
    if old_dial_in is not None and new_dial_in is not None:
        if old_dial_in.conference_id != new_dial_in.conference_id:
            add(
                Change(
                    N_("Conference ID"),
                    old_dial_in.conference_id,
                    new_dial_in.conference_id,
                    _plain,
                )
            )
        if old_dial_in.pin != new_dial_in.pin:
            add(Change(N_("PIN"), old_dial_in.pin, new_dial_in.pin, _pin))
        if {n.e164 for n in old_dial_in.numbers} != {n.e164 for n in new_dial_in.numbers}:
            add(Change(N_("The phone numbers have changed: read them below."), None, None))
    return tuple(found)
