"""The meetings an account sees: Upcoming (/admin/meetings) and Past (/admin/meetings/past);
cancelling one (after a confirmation page) and sending one invitee the invitation again.

An organizer sees and acts on their own meetings, an admin on everyone's
(scheduling.meeting_lists and meetings decide; another organizer's meeting is "not
found"). Times are shown in the viewer's zone (the `when` filter), with the meeting's own
wall-clock time beside them when the meeting was booked in another zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.accounts.admins import time_zones
from voiceapp.admin.actions import FormPost
from voiceapp.admin.auth import requires_login, signed_in
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import settings_of
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.schedule import MEETING, find_meeting
from voiceapp.admin.templating import format_meeting_time, render
from voiceapp.core.i18n import translations
from voiceapp.core.models import AccountRole, AdminUser, Meeting, MeetingStatus
from voiceapp.scheduling import meeting_lists, meeting_rows, meetings
from voiceapp.scheduling.meeting_lists import Listed
from voiceapp.scheduling.wording import duration_text, repeat_text

PAGE = "admin:meetings"


@dataclass(frozen=True)
class Shown:
    """One meeting as a list shows it, its texts in the page's language."""

    item: Listed
    own_time: str  # its start in its own zone, when that is not the viewer's; else ""
    duration: str
    repeat: str  # "" for a single meeting
    cancelled: bool

    @property
    def meeting(self) -> Meeting:
        return self.item.meeting


def _wall_time(moment: datetime, time_zone: str | None) -> datetime:
    zone = ZoneInfo(time_zone) if time_zone in time_zones() else UTC
    return moment.astimezone(zone).replace(tzinfo=None)


def shown(item: Listed, viewer: AdminUser, language: str) -> Shown:
    meeting = item.meeting
    rule = meeting_rows.repeat_rule(
        meeting.repeat,
        meeting.repeat_weekdays,
        meeting.repeat_month_day,
        meeting.repeat_count,
        meeting.repeat_until,
    )
    own = ""
    if _wall_time(item.sitting_starts_at, meeting.time_zone) != _wall_time(
        item.sitting_starts_at, viewer.time_zone
    ):
        # Another zone with the same clock (Paris for a viewer in Madrid) would only repeat it.
        own = format_meeting_time(
            item.sitting_starts_at, meeting.time_zone, language, zone_name=True
        )
    return Shown(
        item=item,
        own_time=own,
        duration=duration_text(timedelta(minutes=meeting.duration_minutes), language),
        repeat=repeat_text(rule, language) if rule else "",
        cancelled=meeting.status is MeetingStatus.CANCELLED,
    )


async def _upcoming_page(request: Request, resend_form: FormState | None = None) -> Response:
    viewer = signed_in(request)
    language = request_language(request)
    listed = await meeting_lists.upcoming(viewer)
    return render(
        request,
        "admin/meetings.html",
        {
            "meetings": [shown(item, viewer, language) for item in listed],
            "everyone": viewer.role is AccountRole.ADMIN,
            "resend_form": resend_form or FormState(),
        },
    )


@requires_login
async def upcoming_page(request: Request) -> Response:
    return await _upcoming_page(request)


@requires_login
async def past_page(request: Request) -> Response:
    viewer = signed_in(request)
    language = request_language(request)
    listed = await meeting_lists.past(viewer)
    return render(
        request,
        "admin/meetings_past.html",
        {
            "meetings": [shown(item, viewer, language) for item in listed],
            "everyone": viewer.role is AccountRole.ADMIN,
        },
    )


# ---- sending the invitation again ------------------------------------------------------


async def _resend(request: Request, form: FormData) -> str:
    meeting = await find_meeting(request)
    invitee = await meetings.resend_invitation(
        meeting.pk,
        field_text(form, "email"),
        sender=settings_of(request).mail_from,
        actor=signed_in(request),
    )
    _ = request_gettext(request)
    return _("The invitation to %(subject)s is on its way to %(email)s again.") % {
        "subject": meeting.subject,
        "email": invitee.email,
    }


async def _show_resend(request: Request, state: FormState) -> Response:
    return await _upcoming_page(request, state)


# ---- cancelling ------------------------------------------------------------------------


async def _cancel_page(request: Request, state: FormState) -> Response:
    meeting = await find_meeting(request)
    invitees = await meetings.active_invitees(meeting.pk)
    viewer = signed_in(request)
    listed = Listed(meeting, meeting.starts_at, meeting.ends_at, tuple(invitees))
    return render(
        request,
        "admin/meeting_cancel.html",
        {
            "shown": shown(listed, viewer, request_language(request)),
            "invitees": invitees,
            "form": state,
        },
    )


@requires_login
async def cancel_page(request: Request) -> Response:
    return await _cancel_page(request, FormState())


async def _cancel(request: Request, form: FormData) -> str:
    meeting = await find_meeting(request)
    # Counted before: the notice says what the cancellation mailed, as the question did.
    told = len(await meetings.active_invitees(meeting.pk))
    cancelled = await meetings.cancel_meeting(
        meeting.pk, sender=settings_of(request).mail_from, actor=signed_in(request)
    )
    if not told:
        return request_gettext(request)("%(subject)s is cancelled.") % {
            "subject": cancelled.subject
        }
    ngettext = translations(request_language(request)).ngettext
    return ngettext(
        "%(subject)s is cancelled; its invitee is told by e-mail.",
        "%(subject)s is cancelled; its %(count)d invitees are told by e-mail.",
        told,
    ) % {"subject": cancelled.subject, "count": told}


routes = [
    Route("/meetings", upcoming_page, methods=["GET"], name="meetings"),
    Route("/meetings/past", past_page, methods=["GET"], name="meetings_past"),
    Route(MEETING + "/cancel", cancel_page, methods=["GET"], name="meeting_cancel"),
    FormPost(_cancel, _cancel_page, (), PAGE).route(
        MEETING + "/cancel", "meeting_cancel_submit", guard=requires_login
    ),
    FormPost(_resend, _show_resend, (), PAGE).route(
        MEETING + "/resend", "meeting_resend", guard=requires_login
    ),
]
