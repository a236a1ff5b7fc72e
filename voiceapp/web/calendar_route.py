"""GET /calendar/<secret>.ics: an account's calendar feed, for calendar programs that
subscribe by URL. No login: the secret in the path is the key (scheduling.calendar_feed),
and any other path under /calendar/ answers the same plain 404, whether or not an account
ever had that secret. The access log writes the path with the secret blanked
(access_log)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tortoise.exceptions import DBConnectionError, OperationalError

from voiceapp.scheduling import calendar_feed

log = logging.getLogger(__name__)

HEADERS = {
    # Subscribers poll; a proxy must not keep one account's calendar for another.
    "Cache-Control": "private, max-age=300",
    "X-Content-Type-Options": "nosniff",
    # A feed is nobody's search result, and its URL must not leak through a Referer.
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


async def calendar(request: Request) -> Response:
    token = str(request.path_params["token"])
    try:
        account = await calendar_feed.account_for(token)
        body = await calendar_feed.feed(account) if account is not None else None
    except (DBConnectionError, OperationalError, ConnectionError, OSError) as failure:
        # Calendar programs try again at their next poll; say so rather than fail.
        log.warning("calendar feed: database unavailable: %s", type(failure).__name__)
        return PlainTextResponse(
            "Service Unavailable", status_code=503, headers={**HEADERS, "Retry-After": "300"}
        )
    if body is None:
        return PlainTextResponse("Not Found", status_code=404, headers=HEADERS)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**HEADERS, "Content-Disposition": 'inline; filename="conferences.ics"'},
    )


routes = [Route(calendar_feed.PATH_PREFIX + "{token}.ics", calendar, methods=["GET"])]
