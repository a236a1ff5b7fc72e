"""The Invite & Schedule page (/admin/schedule) and the same form to change a booked
meeting (/admin/meetings/{id}/edit).

Every account has it: the organizer is the account logged in (an admin changing someone
else's meeting changes it on their behalf, with that organizer's contacts and groups).
The form is parsed in meeting_form; booking and changing, and every rule they keep, are
the scheduling package's (meetings.create_meeting, meeting_updates.update_meeting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.dates import get_day_names
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin import meeting_form
from voiceapp.admin.account import zone_options
from voiceapp.admin.actions import FormPost
from voiceapp.admin.auth import requires_login, signed_in
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import found, row_id, settings_of
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.templating import render
from voiceapp.conferencing import rooms
from voiceapp.contacts import groups, people
from voiceapp.core.errors import VoiceappError
from voiceapp.core.i18n import translations
from voiceapp.core.models import AdminUser, Invitee, Meeting
from voiceapp.scheduling import booking, meeting_rows, meetings
from voiceapp.scheduling.booking import AmbiguousStart
from voiceapp.scheduling.dial_in import dial_in_text
from voiceapp.scheduling.meeting_updates import update_meeting
from voiceapp.scheduling.meeting_view import Weekday

PAGE = "admin:schedule"
LIST = "admin:meetings"
# The "save these participants as a group" field: where a group error is shown.
SAVE_GROUP = "save_group"
UTC_NAME = "UTC"


@dataclass(frozen=True)
class RoomChoice:
    conference_id: str
    label: str  # "Ventes · 1234 · 10 callers"
    dial_in: str  # the dial-in block, as the details field is pre-filled with it


async def room_choices(request: Request, language: str) -> list[RoomChoice]:
    """Every room, with its dial-in block written in `language`: the page's, the one
    the organizer is writing the details in."""
    ngettext = request_ngettext(request)
    numbers = await meeting_rows.dial_in_numbers()
    choices = []
    for room in await rooms.list_rooms():
        dial_in = meeting_rows.dial_in_with(numbers, room, room.conference_id)
        label = ngettext(
            "%(name)s · %(conference_id)s · up to %(capacity)s caller",
            "%(name)s · %(conference_id)s · up to %(capacity)s callers",
            room.capacity,
        ) % {
            "name": room.name,
            "conference_id": room.conference_id,
            "capacity": room.capacity,
        }
        choices.append(RoomChoice(room.conference_id, label, dial_in_text(dial_in, language)))
    return choices


def fold_choice(state: FormState) -> tuple[str, str] | None:
    """The two UTC offsets of a start typed in the hour the clocks go back, for the page
    to ask which one is meant; None for any other start (or one that does not parse)."""
    start = f"{state.value('date')} {state.value('time')}"
    try:
        local = booking.parse_local_start(start)
        zone = booking.parse_zone(state.value("time_zone"))
        booking.resolve_start(local, zone, None)
    except AmbiguousStart as ambiguous:
        return ambiguous.offsets
    except VoiceappError:
        return None
    return None


def _labels(request: Request, labels: dict[str, str]) -> list[tuple[str, str]]:
    _ = request_gettext(request)
    return [(value, _(label)) for value, label in labels.items()]


def reminder_options(request: Request, current: str) -> list[tuple[str, str]]:
    """The reminder choices; a lead time set from the command line that is none of them
    is offered too, so that saving the form keeps it."""
    options = _labels(request, meeting_form.REMINDERS)
    if current and current not in meeting_form.REMINDERS and current.isdigit():
        _ = request_gettext(request)
        options.append((current, _("%(minutes)s minutes before") % {"minutes": current}))
    return options


def weekday_options(language: str) -> list[tuple[str, str]]:
    """(code, name) of each day of the week, Monday first, in the page's language."""
    names = get_day_names("wide", locale=language)
    return [(day.value, str(names[day.index])) for day in Weekday]


async def _page(
    request: Request,
    state: FormState,
    *,
    organizer: AdminUser,
    meeting: Meeting | None = None,
    detect_zone: bool = False,
    blank_rows: int = 1,
) -> Response:
    language = request_language(request)
    invitees: list[Invitee] = await meetings.active_invitees(meeting.pk) if meeting else []
    found_groups = await groups.list_groups(organizer)
    context = {
        "form": state,
        "meeting": meeting,
        "organizer": organizer,
        "rooms": await room_choices(request, language),
        "zone_options": zone_options(state.value("time_zone") or None),
        "detect_zone": detect_zone,
        "contacts": await people.list_contacts(organizer),
        "groups": found_groups,
        "rows": meeting_form.rows_of(state, blank=blank_rows),
        "invitees": invitees,
        "fold_offsets": fold_choice(state),
        "reminder_options": reminder_options(request, state.value("reminder")),
        "repeat_options": _labels(request, meeting_form.REPEATS),
        "weekdays": weekday_options(language),
    }
    return render(request, "admin/schedule.html", context)


# ---- a new meeting ---------------------------------------------------------------------


async def _new_form(request: Request) -> FormState:
    account = signed_in(request)
    choices = await room_choices(request, request_language(request))
    first = choices[0] if choices else None
    return meeting_form.blank_form(
        organizer_name=account.display_name or account.username,
        time_zone=account.time_zone or UTC_NAME,
        room=first.conference_id if first else "",
        details=first.dial_in if first else "",
    )


@requires_login
async def schedule_page(request: Request) -> Response:
    form = await _new_form(request)
    # The page sets the zone to the browser's (static/schedule.js); the account's stays
    # when the browser names none.
    return await _page(
        request,
        form,
        organizer=signed_in(request),
        detect_zone=True,
        blank_rows=meeting_form.BLANK_ROWS,
    )


async def _show_new(request: Request, state: FormState) -> Response:
    return await _page(request, state, organizer=signed_in(request))


async def _book(request: Request, form: FormData) -> str:
    account = signed_in(request)
    group_name = field_text(form, "save_group")
    if group_name.strip():
        await groups.require_free_name(account, group_name, field=SAVE_GROUP)
    meeting = await meetings.create_meeting(
        account, meeting_form.new_meeting(form), sender=settings_of(request).mail_from
    )
    invitees = await meetings.active_invitees(meeting.pk)
    ngettext = request_ngettext(request)
    _ = request_gettext(request)
    notices = [
        _("%(subject)s is booked.") % {"subject": meeting.subject}
        if not invitees
        else ngettext(
            "%(subject)s is booked; its invitation is on its way to %(count)s person.",
            "%(subject)s is booked; its invitation is on its way to %(count)s people.",
            len(invitees),
        )
        % {"subject": meeting.subject, "count": len(invitees)}
    ]
    notices.append(await _save_group(request, account, group_name, invitees))
    return " ".join(notice for notice in notices if notice)


async def _save_group(
    request: Request, owner: AdminUser, name: str, invitees: list[Invitee]
) -> str:
    """Save the participants as a group, when a name was given: the notice to add."""
    if not name.strip() or not invitees:
        return ""
    _ = request_gettext(request)
    try:
        await groups.save_people_as_group(
            owner,
            name,
            [groups.Person(invitee.name, invitee.email, invitee.language) for invitee in invitees],
            field=SAVE_GROUP,
        )
    except VoiceappError as error:
        # The meeting is booked already: say why the group is not, rather than fail.
        return _("The group was not saved: %(reason)s.") % {
            "reason": error.in_language(request_language(request))
        }
    return _("Its participants are saved as the group %(name)s.") % {"name": name.strip()}


def request_ngettext(request: Request) -> Callable[[str, str, int], str]:
    """`ngettext` for a notice with a count, in the page's language."""
    return translations(request_language(request)).ngettext


# ---- changing a meeting ----------------------------------------------------------------


async def find_meeting(request: Request) -> Meeting:
    """The meeting in the URL, if this account may change it (its organizer's, or any
    for an admin); 404 otherwise, so nobody learns which meetings exist."""
    meeting_id = row_id(request, "meeting_id")
    return await found(meetings.get_meeting(meeting_id, actor=signed_in(request)))


async def _organizer_of(meeting: Meeting) -> AdminUser:
    return await AdminUser.get(id=meeting.organizer_id)  # type: ignore[attr-defined]


@requires_login
async def edit_page(request: Request) -> Response:
    meeting = await find_meeting(request)
    state = meeting_form.meeting_values(meeting)
    return await _page(request, state, organizer=await _organizer_of(meeting), meeting=meeting)


async def _show_edit(request: Request, state: FormState) -> Response:
    meeting = await find_meeting(request)
    return await _page(request, state, organizer=await _organizer_of(meeting), meeting=meeting)


async def _change(request: Request, form: FormData) -> str:
    meeting = await find_meeting(request)
    organizer = await _organizer_of(meeting)
    group_name = field_text(form, "save_group")
    if group_name.strip():
        await groups.require_free_name(organizer, group_name, field=SAVE_GROUP)
    report = await update_meeting(
        meeting.pk,
        meeting_form.change_of(meeting, form),
        sender=settings_of(request).mail_from,
        actor=signed_in(request),
    )
    _ = request_gettext(request)
    notices = []
    if report.nothing:
        notices.append(_("Nothing changed: nobody was sent anything."))
    else:
        notices.append(
            _("%(subject)s is saved; everyone concerned is told by e-mail.")
            % {"subject": report.meeting.subject}
        )
    invitees = await meetings.active_invitees(meeting.pk)
    notices.append(await _save_group(request, organizer, group_name, invitees))
    return " ".join(notice for notice in notices if notice)


MEETING = "/meetings/{meeting_id:int}"
routes = [
    Route("/schedule", schedule_page, methods=["GET"], name="schedule"),
    FormPost(_book, _show_new, meeting_form.FIELDS, LIST, meeting_form.LISTS).route(
        "/schedule", "schedule_submit", guard=requires_login
    ),
    Route(MEETING + "/edit", edit_page, methods=["GET"], name="meeting_edit"),
    FormPost(_change, _show_edit, meeting_form.FIELDS, LIST, meeting_form.LISTS).route(
        MEETING + "/edit", "meeting_edit_submit", guard=requires_login
    ),
]
