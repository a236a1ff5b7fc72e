"""The Account page: every account's own settings (an organizer's too): the time zone
times are shown in; the display name, e-mail and language invitations use.

The zone is first set without asking: timezone.js posts the one the browser runs in
(Intl.DateTimeFormat) to `detected_time_zone` while the admin has none. The page lets the
admin see it and pick another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from voiceapp.accounts import admins, profiles
from voiceapp.admin.actions import FormPost
from voiceapp.admin.auth import requires_login, signed_in
from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import see_other, settings_of
from voiceapp.admin.locale import LANGUAGE_NAMES, request_gettext, request_language
from voiceapp.admin.templating import flash, render
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import AdminUser
from voiceapp.scheduling import calendar_feed

PAGE = "admin:account"
PROFILE_FIELDS = ("display_name", "email", "language")
UTC_NAME = "UTC"
# The zone database's places (Europe/Paris, America/Mexico_City), without its old country
# aliases (US/Eastern, GB) and fixed offsets (Etc/GMT+5), which only lengthen the list. A
# browser may still report one of those: it is accepted, and offered while it is chosen.
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


@cache
def _places() -> tuple[str, ...]:
    zones = admins.time_zones()
    return (UTC_NAME, *sorted(z for z in zones if z.split("/", 1)[0] in _REGIONS))


def zone_options(current: str | None) -> list[tuple[str, str]]:
    """The choices of the time zone drop-down, by IANA name (what browsers, calendars and
    servers all call a zone), the admin's current one always among them."""
    places = _places()
    if current and current not in places:
        places = (current, *places)
    return [(zone, zone.replace("_", " ")) for zone in places]


def _profile_values(admin: AdminUser) -> FormState:
    return FormState(
        values={
            "display_name": admin.display_name,
            "email": admin.email or "",
            "language": admin.language,
        }
    )


async def _show(
    request: Request,
    state: FormState,
    *,
    profile: FormState | None = None,
    feed_url: str = "",
) -> Response:
    admin = signed_in(request)
    zone_name = ""
    if admin.time_zone in admins.time_zones():
        # Its name today ("Central European Summer Time"): babel's generic name of a zone
        # with no region (UTC) reads "Unknown Region (UTC) Time".
        zone = ZoneInfo(admin.time_zone)
        now = datetime.now(UTC)
        zone_name = format_datetime(now, "zzzz", tzinfo=zone, locale=request_language(request))
    return render(
        request,
        "admin/account.html",
        {
            "form": state,
            "time_zone": admin.time_zone,
            "zone_name": zone_name,
            "zone_options": zone_options(admin.time_zone),
            "profile_form": profile or _profile_values(admin),
            "language_options": list(LANGUAGE_NAMES.items()),
            "feed_on": bool(feed_url) or calendar_feed.has_feed(admin),
            # The feed's address, right after it is made: the only time it can be shown.
            "feed_url": feed_url,
        },
    )


def _zone_form(request: Request) -> FormState:
    return FormState(values={"time_zone": signed_in(request).time_zone or UTC_NAME})


@requires_login
async def account_page(request: Request) -> Response:
    return await _show(request, _zone_form(request))


async def _change_profile(request: Request, form: FormData) -> str:
    """Display name, e-mail and language: how invitations name and reach this account."""
    await profiles.set_own_profile(
        signed_in(request).pk,
        profiles.Profile(
            display_name=field_text(form, "display_name"),
            email=field_text(form, "email"),
            language=field_text(form, "language"),
        ),
    )
    _ = request_gettext(request)
    return _("Your details are saved.")


async def _show_profile(request: Request, state: FormState) -> Response:
    return await _show(request, _zone_form(request), profile=state)


async def _change_time_zone(request: Request, form: FormData) -> str:
    zone = admins.check_time_zone(field_text(form, "time_zone"))
    await admins.set_time_zone(signed_in(request).pk, zone)
    _ = request_gettext(request)
    return _("Times are now shown in %(zone)s.") % {"zone": zone}


@requires_login
async def detected_time_zone(request: Request) -> Response:
    """The browser's zone, posted by timezone.js. Kept only while the admin has none, so
    opening the pages from a laptop abroad does not undo the admin's choice. 204 when
    taken or not needed; 400, with the reason, for a name that is not a zone."""
    form = await verified_form(request)
    try:
        await admins.set_time_zone(
            signed_in(request).pk, field_text(form, "time_zone"), only_if_unset=True
        )
    except InvalidInput as error:
        return PlainTextResponse(error.in_language(request_language(request)), status_code=400)
    return Response(status_code=204)


@requires_login
async def new_calendar_address(request: Request) -> Response:
    """A new secret address for the account's calendar feed (the old one stops working),
    shown on the page this answers with: it is kept only as a hash, so it can be read
    now or never. Not a redirect, so that it never sits in the session cookie."""
    token = await calendar_feed.rotate(signed_in(request))
    url = calendar_feed.feed_url(settings_of(request).public_url, token)
    return await _show(request, _zone_form(request), feed_url=url)


@requires_login
async def calendar_off(request: Request) -> Response:
    await calendar_feed.revoke(signed_in(request))
    _ = request_gettext(request)
    flash(request, _("Your calendar feed is off: its address no longer works."))
    return see_other(request.url_for(PAGE))


routes = [
    Route("/account", account_page, methods=["GET"], name="account"),
    Route("/account/calendar", new_calendar_address, methods=["POST"], name="account_calendar"),
    Route("/account/calendar/off", calendar_off, methods=["POST"], name="account_calendar_off"),
    FormPost(_change_time_zone, _show, ("time_zone",), PAGE).route(
        "/account", "account_submit", guard=requires_login
    ),
    FormPost(_change_profile, _show_profile, PROFILE_FIELDS, PAGE).route(
        "/account/details", "account_details", guard=requires_login
    ),
    Route(
        "/account/time-zone",
        detected_time_zone,
        methods=["POST"],
        name="detected_time_zone",
    ),
]
