"""The Invite & Schedule form, field by field: what it posts, turned into the scheduling
package's MeetingForm (a new meeting) or MeetingChange (an edit), and a booked meeting
turned back into the form's values (to edit it).

Parsing only: every rule (a start in the past, a room taken, a series Outlook cannot
show) is the scheduling package's, and its errors name the fields listed in FIELDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from starlette.datastructures import FormData

from voiceapp.admin.forms import FormState, field_text
from voiceapp.core.i18n import N_
from voiceapp.core.models import Meeting, Repeat
from voiceapp.scheduling.guest_lists import Person
from voiceapp.scheduling.meeting_forms import (
    DEFAULT_REMINDER_MINUTES,
    MeetingChange,
    MeetingForm,
    RepeatForm,
)
from voiceapp.scheduling.meeting_rows import first_start

# The fields the scheduling package names in its errors, each shown beside its place on
# the page (the date and time share "start"; the participants share "invitees").
FIELDS = (
    "meeting",
    "organizer_name",
    "subject",
    "room",
    "start",
    "fold",
    "time_zone",
    "duration",
    "details",
    "invitees",
    "contacts",
    "groups",
    "uninvite",
    "save_group",
    "repeat",
    "repeat_weekdays",
    "repeat_month_day",
    "repeat_count",
    "repeat_until",
    "reminder",
)
# Fields posted more than once: one value per row or ticked box.
LISTS = ("invitee_name", "invitee_email", "contacts", "groups", "uninvite", "repeat_weekdays")
# Empty participant rows a new form shows (more with the page's script, or in the list).
BLANK_ROWS = 3
DEFAULT_DURATION = "60"

# The reminder choices: minutes before each meeting ("" none).
REMINDERS = {
    "": N_("No reminder"),
    "15": N_("15 minutes before"),
    "60": N_("1 hour before"),
    "1440": N_("1 day before"),
}
REPEATS = {
    "none": N_("Does not repeat"),
    "daily": N_("Every day"),
    # Translators: a choice of how a meeting repeats; the days are ticked below it.
    "weekly": N_("Every week, on the days ticked"),
    # Translators: a choice of how a meeting repeats; the day is typed below it.
    "monthly": N_("Every month, on one day"),
}


@dataclass(frozen=True)
class Row:
    """One typed-in participant row: a name and an address, as typed."""

    name: str
    email: str


def rows_of(state: FormState, *, blank: int = 1) -> list[Row]:
    """The participant rows to show: those typed (with a name or an address), then
    `blank` empty ones to type more into."""
    typed = [
        Row(name, email)
        for name, email in zip_longest(
            state.chosen("invitee_name"), state.chosen("invitee_email"), fillvalue=""
        )
        if name.strip() or email.strip()
    ]
    return typed + [Row("", "")] * blank


def _texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def people(form: FormData) -> list[Person | str]:
    """Everyone typed in: the rows (name and address) and the pasted list's lines
    ("Ana Ruiz <ana@example.com>" or an address alone), in that order."""
    typed: list[Person | str] = []
    names, emails = _texts(form, "invitee_name"), _texts(form, "invitee_email")
    for name, email in zip_longest(names, emails, fillvalue=""):
        if name.strip() or email.strip():
            typed.append(Person(email=email.strip(), name=name.strip()))
    for line in field_text(form, "invitee_list").splitlines():
        if line.strip():
            typed.append(line.strip())
    return typed


def contact_ids(form: FormData) -> list[int]:
    """The ticked contacts. Ids come from the page's own boxes; one that is not a number
    was not made by the page, and is dropped (one of another account is refused by the
    scheduling package as "no such contact")."""
    return [int(value) for value in _texts(form, "contacts") if value.strip().isdigit()]


def group_names(form: FormData) -> list[str]:
    return [value for value in _texts(form, "groups") if value.strip()]


def start_text(form: FormData) -> str:
    """The start as the scheduling package reads it: the date and the time, joined. An
    empty half is left empty, so its error says what is missing."""
    day, clock = field_text(form, "date").strip(), field_text(form, "time").strip()
    return f"{day} {clock}".strip()


def repeat_form(form: FormData) -> RepeatForm:
    """The series asked for; the count or the last date, whichever end was chosen."""
    ends = field_text(form, "repeat_end") or "count"
    return RepeatForm(
        frequency=field_text(form, "repeat") or "none",
        weekdays=_texts(form, "repeat_weekdays"),
        month_day=field_text(form, "repeat_month_day") or None,
        count=field_text(form, "repeat_count") if ends == "count" else None,
        until=field_text(form, "repeat_until") if ends == "until" else None,
    )


def new_meeting(form: FormData) -> MeetingForm:
    return MeetingForm(
        room=field_text(form, "room"),
        subject=field_text(form, "subject"),
        start=start_text(form),
        duration=field_text(form, "duration"),
        time_zone=field_text(form, "time_zone"),
        details=field_text(form, "details"),
        organizer_name=field_text(form, "organizer_name"),
        fold=field_text(form, "fold") or None,
        people=people(form),
        contact_ids=contact_ids(form),
        groups=group_names(form),
        repeat=repeat_form(form),
        reminder=field_text(form, "reminder") or None,
    )


def change_of(meeting: Meeting, form: FormData) -> MeetingChange:
    """The edit form as a change of `meeting`. Its every field is posted; the start and
    the zone are passed on only when they differ from the meeting's (or a repeated hour
    was chosen), so that an unchanged start in the hour the clocks go back is not asked
    about again."""
    start = start_text(form)
    zone = field_text(form, "time_zone")
    fold = field_text(form, "fold") or None
    zone_changed = zone != meeting.time_zone
    start_changed = start != meeting.local_start or fold is not None or zone_changed
    return MeetingChange(
        room=field_text(form, "room") or None,
        subject=field_text(form, "subject"),
        details=field_text(form, "details"),
        organizer_name=field_text(form, "organizer_name"),
        start=start if start_changed else None,
        fold=fold,
        time_zone=zone if zone_changed else None,
        duration=field_text(form, "duration"),
        repeat=repeat_form(form),
        reminder=field_text(form, "reminder") or "none",
        invite=people(form),
        invite_contact_ids=contact_ids(form),
        invite_groups=group_names(form),
        uninvite=_texts(form, "uninvite"),
    )


def blank_form(*, organizer_name: str, time_zone: str, room: str, details: str) -> FormState:
    """A new meeting's form: a one-hour meeting, reminded 15 minutes before."""
    return FormState(
        values={
            "organizer_name": organizer_name,
            "time_zone": time_zone,
            "room": room,
            "details": details,
            "duration": DEFAULT_DURATION,
            "repeat": "none",
            "repeat_end": "count",
            "reminder": str(DEFAULT_REMINDER_MINUTES),
        }
    )


def meeting_values(meeting: Meeting) -> FormState:
    """A booked meeting as its edit form shows it, in the meeting's own zone."""
    start = first_start(meeting)
    day, _, clock = meeting.local_start.partition(" ")
    values = {
        "organizer_name": meeting.organizer_name,
        "subject": meeting.subject,
        "details": meeting.details,
        "room": meeting.conference_id,
        "date": day,
        "time": clock,
        "time_zone": meeting.time_zone,
        "duration": str(meeting.duration_minutes),
        "repeat": meeting.repeat.value,
        "repeat_month_day": str(meeting.repeat_month_day or ""),
        "repeat_end": "until" if meeting.repeat_until else "count",
        "repeat_count": str(meeting.repeat_count or ""),
        "repeat_until": meeting.repeat_until.isoformat() if meeting.repeat_until else "",
        "reminder": str(meeting.reminder_minutes or ""),
    }
    if start.fold:
        values["fold"] = "second"
    weekdays = [day for day in meeting.repeat_weekdays.split(",") if day]
    if meeting.repeat is Repeat.NONE:
        values["repeat"] = "none"
    return FormState(values=values, lists={"repeat_weekdays": weekdays})
