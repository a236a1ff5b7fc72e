"""Times in the admin's own time zone: detected by the browser and posted once, kept per
admin, changed on the Account page, and used by every time the pages show."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from voiceapp.accounts import admins
from voiceapp.admin.templating import format_moment
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import AdminUser, CallRecord
from voiceapp.history import call_records

from ..conftest import FR_NUMBER
from .conftest import USERNAME, Browser, field_error, notices

DETECTED = "/admin/account/time-zone"


async def zone_of(username: str = USERNAME) -> str | None:
    return (await AdminUser.get(username=username)).time_zone


async def post_detected(admin: Browser, zone: str, **headers: str) -> tuple[int, str]:
    token = await admin.token("/admin/conferences")
    response = await admin.client.post(
        DETECTED, data={"csrf_token": token, "time_zone": zone}, headers=headers
    )
    return response.status_code, response.text


def text_of(moment: str) -> str:
    """The visible text of a <time> element, without its markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", moment))


# ---- the when filter --------------------------------------------------------------------

WINTER = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)


def test_times_show_in_utc_until_the_admin_has_a_zone() -> None:
    shown = format_moment(WINTER, None, "en")
    assert text_of(shown) == "Jan 15, 2026, 9:00:00\u202fAM UTC"
    assert 'datetime="2026-01-15T09:00:00+00:00"' in shown
    assert 'title="Coordinated Universal Time"' in shown


def test_times_show_in_the_admins_zone_with_its_summer_time() -> None:
    assert (
        text_of(format_moment(WINTER, "Europe/Paris", "en"))
        == "Jan 15, 2026, 10:00:00\u202fAM +0100"
    )
    assert (
        text_of(format_moment(SUMMER, "Europe/Paris", "en"))
        == "Jul 15, 2026, 11:00:00\u202fAM +0200"
    )
    assert 'title="Central European Summer Time"' in format_moment(SUMMER, "Europe/Paris", "en")
    # The page's language decides the format and the zone's name.
    assert text_of(format_moment(WINTER, "Europe/Paris", "fr")) == "15 janv. 2026, 10:00:00 +0100"
    assert text_of(format_moment(SUMMER, "Europe/Paris", "es")) == "15 jul 2026, 11:00:00 CEST"
    assert text_of(format_moment(WINTER, "America/Mexico_City", "es")) == (
        "15 ene 2026, 3:00:00 -0600"
    )
    # The same instant, whatever the zone it is shown in.
    assert 'datetime="2026-07-15T09:00:00+00:00"' in format_moment(SUMMER, "Asia/Tokyo", "en")


def test_the_night_the_clocks_go_forward_in_paris() -> None:
    # 29 March 2026, 01:00 UTC: 02:00 Paris winter time becomes 03:00 summer time.
    before = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)
    after = datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC)
    assert text_of(format_moment(before, "Europe/Paris", "fr")) == "29 mars 2026, 01:59:59 +0100"
    assert text_of(format_moment(after, "Europe/Paris", "fr")) == "29 mars 2026, 03:00:00 +0200"


def test_a_zone_the_machine_does_not_know_shows_utc_rather_than_failing() -> None:
    assert text_of(format_moment(WINTER, "Mars/Olympus_Mons", "en")).endswith("9:00:00\u202fAM UTC")


# ---- the domain ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "localtime", "europe/paris", "../etc/passwd"])
def test_only_iana_zone_names_are_time_zones(name: str) -> None:
    with pytest.raises(InvalidInput, match="is not a time zone name"):
        admins.check_time_zone(name)


@pytest.mark.parametrize("name", ["Europe/Paris", "America/Mexico_City", "UTC", "Asia/Calcutta"])
def test_browser_zone_names_are_time_zones(name: str) -> None:
    assert admins.check_time_zone(name) == name


async def test_setting_the_zone_changes_that_column_only(admin: Browser) -> None:
    user = await AdminUser.get(username=USERNAME)
    await admins.end_sessions(user.pk, user.session_epoch)  # a logout, after `user` was read
    assert await admins.set_time_zone(user.pk, "Europe/Paris")
    again = await AdminUser.get(username=USERNAME)
    assert again.time_zone == "Europe/Paris"
    assert again.session_epoch == user.session_epoch + 1  # the logout was not undone


# ---- the browser's zone, posted by timezone.js ------------------------------------------


async def test_the_browser_zone_is_kept_once_and_never_overrides_a_choice(admin: Browser) -> None:
    page = (await admin.get("/admin/conferences")).text
    assert "timezone.js" in page and f'data-endpoint="https://voice.example.test{DETECTED}"' in page

    assert await post_detected(admin, "America/Mexico_City") == (204, "")
    assert await zone_of() == "America/Mexico_City"
    # Once the admin has a zone, the pages stop asking, and a later one changes nothing.
    assert "timezone.js" not in (await admin.get("/admin/conferences")).text
    assert await post_detected(admin, "Europe/Paris") == (204, "")
    assert await zone_of() == "America/Mexico_City"


async def test_a_name_that_is_not_a_zone_is_refused_with_the_reason(admin: Browser) -> None:
    assert await post_detected(admin, "Mars/Olympus") == (
        400,
        "'Mars/Olympus' is not a time zone name; choose one from the list, e.g. Europe/Paris",
    )
    status, text = await post_detected(admin, "Etc/Unknown", **{"Accept-Language": "fr"})
    assert status == 400 and text.startswith("'Etc/Unknown' n'est pas un nom de fuseau horaire")
    status, text = await post_detected(admin, "x" * 5000)
    assert status == 400 and len(text) < 200  # not echoed whole
    assert await zone_of() is None


async def test_the_zone_endpoint_needs_the_session_and_its_csrf_token(
    admin: Browser, visitor: Browser
) -> None:
    forged = await admin.client.post(DETECTED, data={"time_zone": "Europe/Paris"})
    assert forged.status_code == 403
    assert await zone_of() is None
    await admin.submit("/admin/conferences", "/admin/logout", {})
    token = await admin.token("/admin/login")
    after = await admin.client.post(DETECTED, data={"csrf_token": token, "time_zone": "UTC"})
    assert after.status_code == 303 and "/admin/login" in after.headers["location"]
    assert await zone_of() is None


# ---- the Account page --------------------------------------------------------------------


async def test_the_account_page_shows_and_changes_the_zone(admin: Browser) -> None:
    page = (await admin.get("/admin/conferences")).text
    assert 'href="https://voice.example.test/admin/account">Account</a>' in page
    page = (await admin.get("/admin/account")).text
    assert "No time zone is set yet: times on these pages are shown in UTC." in page
    assert '<option value="UTC" selected>' in page

    response = await admin.submit("/admin/account", "/admin/account", {"time_zone": "Europe/Paris"})
    assert response.status_code == 303
    page = (await admin.get("/admin/account")).text
    assert notices(page) == ["Times are now shown in Europe/Paris."]
    assert "Times on these pages are shown in Europe/Paris (Central European" in page
    assert '<option value="Europe/Paris" selected>' in page
    assert await zone_of() == "Europe/Paris"


async def test_the_account_page_refuses_a_made_up_zone_beside_the_field(admin: Browser) -> None:
    await admins.set_time_zone((await AdminUser.get(username=USERNAME)).pk, "Asia/Tokyo")
    response = await admin.submit("/admin/account", "/admin/account", {"time_zone": "Nowhere"})
    assert response.status_code == 400
    assert field_error(response.text, "time_zone") == (
        "'Nowhere' is not a time zone name; choose one from the list, e.g. Europe/Paris"
    )
    assert await zone_of() == "Asia/Tokyo"


async def test_a_zone_outside_the_list_stays_chosen(admin: Browser) -> None:
    # A browser may report an old alias; it is kept, and shown as the admin's choice.
    assert await post_detected(admin, "US/Eastern") == (204, "")
    page = (await admin.get("/admin/account", headers={"Accept-Language": "es"})).text
    assert '<option value="US/Eastern" selected>' in page
    assert "Las horas de estas páginas se muestran en la zona US/Eastern" in page


# ---- the pages that show times ------------------------------------------------------------


async def test_history_times_are_in_the_admins_zone(admin: Browser) -> None:
    await CallRecord.create(
        call_sid="CA1",
        caller="+33612345678",
        called=FR_NUMBER,
        outcome=call_records.Outcome.JOINED.value,
        started_at=SUMMER,
    )

    def started(page: str) -> str:
        found = re.search(r"<td data-label=[^>]+>(<time[^>]*>[^<]*</time>)", page)
        assert found is not None
        return found.group(1)

    assert text_of(started((await admin.get("/admin/history")).text)).endswith(
        "9:00:00\u202fAM UTC"
    )
    await post_detected(admin, "Europe/Paris")
    shown = started((await admin.get("/admin/history", headers={"Accept-Language": "fr"})).text)
    assert text_of(shown) == "15 juil. 2026, 11:00:00 +0200"
    assert 'title="heure d’été d’Europe centrale"' in shown
