"""The Outbox page (admins only): every e-mail voiceapp queued, whether it went out, and
why not; and one message as its recipient will see it.

The message's HTML part is a stranger's markup as far as this page is concerned (a
subject or details typed by any organizer end up in it): it is never put into the admin
page itself. The page frames it from its own URL, `message_html`, which answers with a
policy of its own: sandboxed (no script, no form, no same-origin access), nothing
loaded from anywhere (no tracking pixel fetched by looking), its inline styles allowed
so that it looks as it will in a mail program.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from voiceapp.admin.auth import requires_admin
from voiceapp.admin.http import row_id, settings_of
from voiceapp.admin.templating import render
from voiceapp.core.i18n import N_
from voiceapp.core.models import OutboxState
from voiceapp.mail import listing, preview

PER_PAGE = 25
# How each state reads on the page.
STATE_LABELS = {
    # Translators: an e-mail waiting in the outbox to be sent (or tried again).
    OutboxState.PENDING: N_("Waiting"),
    # Translators: an e-mail being handed to the mail server right now.
    OutboxState.SENDING: N_("Sending"),
    OutboxState.SENT: N_("Sent"),
    # Translators: an e-mail the mail server refused for good.
    OutboxState.FAILED: N_("Failed"),
}
# The framed HTML part: its own document, under a policy that lets it do nothing.
HTML_PART_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class Filter:
    state: OutboxState | None
    page: int


def _filter(request: Request) -> Filter:
    raw_state = request.query_params.get("state", "")
    try:
        state = OutboxState(raw_state) if raw_state else None
    except ValueError:
        state = None  # a state this version does not know: show them all
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    return Filter(state, page)


@requires_admin
async def outbox_page(request: Request) -> Response:
    chosen = _filter(request)
    counts = await listing.count_by_state()
    total = sum(counts.values()) if chosen.state is None else counts[chosen.state]
    pages = max(1, -(-total // PER_PAGE))
    page = min(chosen.page, pages)
    skip = (page - 1) * PER_PAGE
    # The listing reads the newest first; the page's slice of them (pages are short).
    entries = await listing.list_messages(chosen.state, limit=PER_PAGE, offset=skip)
    return render(
        request,
        "admin/outbox.html",
        {
            "entries": entries,
            "counts": counts,
            "total": total,
            "state": chosen.state,
            "page": page,
            "pages": pages,
            "state_labels": STATE_LABELS,
            "smtp": settings_of(request).smtp,
            "page_url": lambda number: _page_url(request, chosen.state, number),
        },
    )


def _page_url(request: Request, state: OutboxState | None, page: int) -> str:
    query = {"page": str(page), **({"state": state.value} if state else {})}
    return str(request.url_for("admin:outbox").include_query_params(**query))


async def _view(request: Request) -> preview.RecipientView:
    view = await preview.recipient_view(row_id(request, "message_id"), settings_of(request))
    if view is None:
        raise HTTPException(404)
    return view


@requires_admin
async def message_page(request: Request) -> Response:
    view = await _view(request)
    calendars = [part for part in view.parts if part.content_type == "text/calendar"]
    return render(
        request,
        "admin/outbox_message.html",
        {
            "view": view,
            "entry": view.entry,
            "calendar": calendars[0] if calendars else None,
            "state_labels": STATE_LABELS,
        },
    )


@requires_admin
async def message_html(request: Request) -> Response:
    """The HTML part alone, for the message page's sandboxed frame."""
    view = await _view(request)
    if view.html is None:
        raise HTTPException(404)
    return HTMLResponse(view.html, headers=HTML_PART_HEADERS)


MESSAGE = "/outbox/{message_id:int}"
routes = [
    Route("/outbox", outbox_page, methods=["GET"], name="outbox"),
    Route(MESSAGE, message_page, methods=["GET"], name="outbox_message"),
    Route(MESSAGE + "/html", message_html, methods=["GET"], name="outbox_message_html"),
]
