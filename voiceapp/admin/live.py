"""The Live page (who is in each room now, and its controls: mute, remove, lock, mute
everyone, end the conference) and the call history.

Each control is a form POST (CSRF-checked, admins only) that calls conferencing.controls,
then goes back to the Live page with what was done at its top; a refusal (the caller has
left, the carrier said no) shows the Live page again with the reason, never a 500.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from voiceapp.admin.actions import FormPost
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import settings_of
from voiceapp.admin.labels import outcome_label
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.templating import render
from voiceapp.conferencing import controls, rooms, seats
from voiceapp.core.errors import InvalidInput, NotFound
from voiceapp.core.i18n import N_plural, format_message
from voiceapp.core.models import Room, Seat
from voiceapp.history import call_records
from voiceapp.scheduling import meeting_lists

HISTORY_PER_PAGE = 25
# How often the Live page asks for the rooms again, in milliseconds (read by live.js).
REFRESH_MS = 5000
# The header live.js sends with its fetch. A page the browser navigates to never has it,
# and another site's script cannot add it without a CORS preflight, which we never allow;
# unlike Sec-Fetch-Mode, it does not depend on the browser sending fetch metadata.
SCRIPT_HEADER = "X-Requested-With"
SCRIPT_VALUE = "fetch"


async def _rooms_context() -> dict[str, object]:
    all_rooms = await rooms.list_rooms()
    return {
        "rooms": [(room, await seats.roster(room)) for room in all_rooms],
        "booked": await meeting_lists.hosted_now(),
    }


async def _live(request: Request, control_form: FormState | None = None) -> Response:
    context = {**await _rooms_context(), "refresh_ms": REFRESH_MS}
    return render(request, "admin/live.html", {**context, "control_form": control_form})


@requires_admin
async def live_page(request: Request) -> Response:
    return await _live(request)


@requires_admin
async def _rooms_fragment(request: Request) -> Response:
    return render(request, "admin/_live_rooms.html", await _rooms_context())


def _session_ended() -> Response:
    # 401, not the login page: a fetch follows a redirect by itself and gets the login
    # form with a 200, which a script can only tell apart by guessing from the URL it
    # ended on. The Cookie scheme says how to log in again (draft-broyer-http-cookie-auth):
    # a 401 must name one, and a browser shows no password prompt for it.
    return PlainTextResponse(
        "The admin session has ended: log in again.",
        status_code=401,
        headers={"WWW-Authenticate": 'Cookie realm="voiceapp admin"', "Cache-Control": "no-store"},
    )


async def live_rooms(request: Request) -> Response:
    """Just the rooms, as an HTML fragment the Live page swaps in without reloading.

    When the session has ended (a logout elsewhere, a new password, the cookie's age),
    live.js's fetch gets a 401 and the page says so instead of keeping a roster that is
    no longer true; anyone opening this URL in the browser is sent to the login as usual.
    """
    response = await _rooms_fragment(request)
    # requires_admin answers 303 to the login only when nobody is logged in; the
    # fragment itself never redirects.
    if response.status_code == 303 and request.headers.get(SCRIPT_HEADER) == SCRIPT_VALUE:
        return _session_ended()
    return response


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


@requires_admin
async def history_page(request: Request) -> Response:
    page = await call_records.history(
        _page_number(request.query_params.get("page")), HISTORY_PER_PAGE
    )
    return render(
        request,
        "admin/history.html",
        {
            "calls": page.calls,
            "page": page.number,
            "pages": page.pages,
            "total": page.total,
            "outcome_label": outcome_label,
        },
    )


# ---- the controls ---------------------------------------------------------------------------

MUTED_EVERYONE = N_plural(
    "%(count)s caller muted in %(room)s.", "%(count)s callers muted in %(room)s."
)
UNMUTED_EVERYONE = N_plural(
    "%(count)s caller unmuted in %(room)s.", "%(count)s callers unmuted in %(room)s."
)
CONFERENCE_ENDED = N_plural(
    "The conference in %(room)s has ended: %(count)s caller disconnected.",
    "The conference in %(room)s has ended: %(count)s callers disconnected.",
)


def _yes(form: FormData, name: str) -> bool:
    """A control's on/off field, as the Live page's buttons send it."""
    value = field_text(form, name)
    if value not in ("yes", "no"):
        raise HTTPException(400, f"{name} must be yes or no")
    return value == "yes"


def _caller(request: Request, seat: Seat) -> str:
    return seat.caller or request_gettext(request)("Unknown")


async def _show_refusal(request: Request, state: FormState) -> Response:
    """The Live page again, the reason at its top (the error summary)."""
    return await _live(request, state)


async def _mute_caller(request: Request, form: FormData) -> str:
    muted = _yes(form, "muted")
    seat = await controls.set_seat_muted(
        settings_of(request), request.path_params["call_sid"], muted
    )
    _ = request_gettext(request)
    done = _("%(caller)s is muted.") if muted else _("%(caller)s can speak again.")
    return done % {"caller": _caller(request, seat)}


async def _remove_caller(request: Request, form: FormData) -> str:
    seat = await controls.remove_seat(settings_of(request), request.path_params["call_sid"])
    _ = request_gettext(request)
    return _("%(caller)s is removed from the conference.") % {"caller": _caller(request, seat)}


async def _lock_room(request: Request, form: FormData) -> str:
    locked = _yes(form, "locked")
    room = await controls.set_locked(request.path_params["conference_id"], locked)
    _ = request_gettext(request)
    done = (
        _("%(room)s is locked: only its hosts can join until the conference ends.")
        if locked
        else _("%(room)s is unlocked: callers can join again.")
    )
    return done % {"room": room.name}


async def _mute_everyone(request: Request, form: FormData) -> str:
    muted = _yes(form, "muted")
    room = await rooms.get_room(request.path_params["conference_id"])
    # The hosts keep their voice: they are running the call. Unmuting frees everyone.
    count = await controls.mute_others(
        settings_of(request), room.pk, None, muted, spare_hosts=muted
    )
    done = MUTED_EVERYONE if muted else UNMUTED_EVERYONE
    return format_message(request_language(request), done, {"count": count, "room": room.name})


async def _room_or_404(request: Request) -> Room:
    try:
        return await rooms.get_room(request.path_params["conference_id"])
    except (NotFound, InvalidInput):  # no such room, or not a conference ID at all
        raise HTTPException(404) from None


async def _end_page(request: Request, state: FormState) -> Response:
    room = await _room_or_404(request)
    context = {"room": room, "roster": await seats.roster(room), "form": state}
    return render(request, "admin/live_end.html", context)


@requires_admin
async def end_conference_page(request: Request) -> Response:
    """Ending disconnects everyone: asked first, on a page of its own."""
    return await _end_page(request, FormState())


async def _end_conference(request: Request, form: FormData) -> str:
    room = await _room_or_404(request)
    count = await controls.end_conference(settings_of(request), room.conference_id)
    return format_message(
        request_language(request), CONFERENCE_ENDED, {"count": count, "room": room.name}
    )


routes = [
    Route("/live", live_page, methods=["GET"], name="live"),
    Route("/live/rooms", live_rooms, methods=["GET"], name="live_rooms"),
    FormPost(_mute_caller, _show_refusal, (), "admin:live").route(
        "/live/callers/{call_sid}/mute", "live_mute"
    ),
    FormPost(_remove_caller, _show_refusal, (), "admin:live").route(
        "/live/callers/{call_sid}/remove", "live_remove"
    ),
    FormPost(_lock_room, _show_refusal, (), "admin:live").route(
        "/live/rooms/{conference_id}/lock", "live_lock"
    ),
    FormPost(_mute_everyone, _show_refusal, (), "admin:live").route(
        "/live/rooms/{conference_id}/mute", "live_mute_everyone"
    ),
    Route(
        "/live/rooms/{conference_id}/end",
        end_conference_page,
        methods=["GET"],
        name="live_end",
    ),
    FormPost(_end_conference, _end_page, (), "admin:live").route(
        "/live/rooms/{conference_id}/end", "live_end_submit"
    ),
    Route("/history", history_page, methods=["GET"], name="history"),
]
