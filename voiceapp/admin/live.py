"""The Live page (who is in each room now) and the call history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from voiceapp.admin.auth import requires_admin
from voiceapp.admin.labels import outcome_label
from voiceapp.admin.templating import render
from voiceapp.conferencing import rooms, seats
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


@requires_admin
async def live_page(request: Request) -> Response:
    return render(request, "admin/live.html", {**await _rooms_context(), "refresh_ms": REFRESH_MS})


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


routes = [
    Route("/live", live_page, methods=["GET"], name="live"),
    Route("/live/rooms", live_rooms, methods=["GET"], name="live_rooms"),
    Route("/history", history_page, methods=["GET"], name="history"),
]
