"""Rendering admin pages: the jinja2 environment and what every template can use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_datetime, format_time, get_datetime_format
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from voiceapp.accounts.admins import time_zones
from voiceapp.admin.csrf import FIELD as CSRF_FIELD
from voiceapp.admin.csrf import csrf_token
from voiceapp.admin.labels import pages_for
from voiceapp.admin.locale import LANGUAGE_NAMES, request_language, template_callables

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
FLASH_KEY = "flash"


def flash(request: Request, message: str) -> None:
    """A one-line notice for the next page shown (after a redirect), kept in the session."""
    request.session[FLASH_KEY] = [*request.session.get(FLASH_KEY, []), message]


def take_flashes(request: Request) -> list[str]:
    """The pending notices, removed from the session. Called by the page layout only, so
    a fragment (the Live page's refresh) never swallows a notice meant for a page. The
    session is touched only when there is something to take, so that merely reading a
    page does not re-issue the cookie."""
    if FLASH_KEY not in request.session:
        return []
    return [str(message) for message in request.session.pop(FLASH_KEY)]


def format_moment(moment: datetime, time_zone: str | None, language: str) -> Markup:
    """`moment` as the admin reads it: in their time zone (UTC until they have one), in
    the page's language, with the zone's abbreviation (or its offset where the language
    has none, "-0600"); its long name in the tooltip and the exact instant in datetime="".
    A zone name the database no longer knows falls back to UTC rather than failing the page.
    """
    zone = ZoneInfo(time_zone) if time_zone in time_zones() else UTC
    shown = format_datetime(moment, "medium", tzinfo=zone, locale=language)
    short = format_datetime(moment, "z", tzinfo=zone, locale=language)
    long = format_datetime(moment, "zzzz", tzinfo=zone, locale=language)
    instant = moment.astimezone(UTC).isoformat()
    return Markup('<time datetime="%s" title="%s">%s %s</time>') % (instant, long, shown, short)


def format_meeting_time(
    moment: datetime,
    time_zone: str | None,
    language: str,
    *,
    zone_name: bool = False,
    with_date: bool = True,
) -> Markup:
    """A meeting's time, to the minute (a booking has no seconds): the page language's
    medium date and short time, then the zone's abbreviation or offset, or its long name
    (`zone_name`) where the reader needs to know which zone a wall time is in. Without
    `with_date`, only the time, for an end on the day the reader is in."""
    zone = ZoneInfo(time_zone) if time_zone in time_zones() else UTC
    clock = format_time(moment, "short", tzinfo=zone, locale=language)
    shown = clock
    if with_date:
        day = format_date(moment.astimezone(zone), "medium", locale=language)
        pattern = str(get_datetime_format("medium", locale=language)).replace("'", "")
        shown = pattern.replace("{0}", clock).replace("{1}", day)
    label = format_datetime(moment, "zzzz" if zone_name else "z", tzinfo=zone, locale=language)
    long = format_datetime(moment, "zzzz", tzinfo=zone, locale=language)
    instant = moment.astimezone(UTC).isoformat()
    return Markup('<time datetime="%s" title="%s">%s %s</time>') % (instant, long, shown, label)


def _viewer_zone(context: Context) -> str | None:
    return getattr(context.get("admin_user"), "time_zone", None)


@jinja2.pass_context
def meeting_when(context: Context, moment: datetime) -> Markup:
    """The `meeting_when` filter: a meeting's time in the viewer's zone."""
    return format_meeting_time(moment, _viewer_zone(context), context["language"])


@jinja2.pass_context
def meeting_until(context: Context, moment: datetime) -> Markup:
    """The `meeting_until` filter: when a meeting under way ends, as its time alone when
    that is today in the viewer's zone (the date would only repeat today's)."""
    time_zone = _viewer_zone(context)
    zone = ZoneInfo(time_zone) if time_zone in time_zones() else UTC
    today = moment.astimezone(zone).date() == datetime.now(zone).date()
    return format_meeting_time(moment, time_zone, context["language"], with_date=not today)


@jinja2.pass_context
def when(context: Context, moment: datetime | None) -> Markup | str:
    """The `when` filter: a timestamp in the zone of the admin looking at the page."""
    if moment is None:
        return ""
    admin = context.get("admin_user")
    return format_moment(moment, getattr(admin, "time_zone", None), context["language"])


def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def _page_context(request: Request) -> dict[str, Any]:
    language = request_language(request)
    admin_user = getattr(request.state, "admin_user", None)
    return {
        "language": language,
        "languages": LANGUAGE_NAMES,
        "admin_pages": pages_for(admin_user),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "admin_user": admin_user,
        "take_flashes": lambda: take_flashes(request),
        **template_callables(language),
    }


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    undefined=jinja2.StrictUndefined,  # a typo in a template fails its test, not silently
)
# Newstyle: {% trans %} and _() format their %(name)s placeholders and autoescape them.
_environment.newstyle_gettext = True  # type: ignore[attr-defined]
_environment.filters["when"] = when
_environment.filters["duration"] = duration
_environment.filters["meeting_when"] = meeting_when
_environment.filters["meeting_until"] = meeting_until
templates = Jinja2Templates(env=_environment, context_processors=[_page_context])


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    response = templates.TemplateResponse(
        request, name, dict(context or {}), status_code=status_code
    )
    # Pages show live state and carry CSRF tokens: never from a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response
