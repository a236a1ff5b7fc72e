"""The Live page (who is in each room now) and the call history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.auth import requires_admin
from voiceapp.admin.labels import outcome_label
from voiceapp.admin.templating import render
from voiceapp.conferencing import rooms, seats
from voiceapp.history import call_records

HISTORY_PER_PAGE = 25
# How often the Live page asks for the rooms again, in milliseconds (read by live.js).
REFRESH_MS = 5000


async def _rooms_context() -> dict[str, object]:
    all_rooms = await rooms.list_rooms()
    return {"rooms": [(room, await seats.roster(room)) for room in all_rooms]}


@requires_admin
async def live_page(request: Request) -> Response:
    return render(request, "admin/live.html", {**await _rooms_context(), "refresh_ms": REFRESH_MS})


@requires_admin
async def live_rooms(request: Request) -> Response:
    """Just the rooms, as an HTML fragment the Live page swaps in without reloading."""
    return render(request, "admin/_live_rooms.html", await _rooms_context())


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
