"""Sessions end everywhere: a logout or a new password ends every session of that admin,
copies of the cookie included, on any worker."""

from __future__ import annotations

import json
from base64 import b64decode, b64encode

from itsdangerous import TimestampSigner

from voiceapp.accounts import admins
from voiceapp.admin.auth import EPOCH_KEY
from voiceapp.admin.sessions import COOKIE as SESSION_COOKIE
from voiceapp.core.settings import Settings

from .conftest import PASSWORD, SECRET_KEY, USERNAME, Browser, notices, open_browser

ADMIN_PAGE = "/admin/conferences"
LOGIN_URL = "https://voice.example.test/admin/login"


def session_cookie(browser: Browser) -> str:
    value = browser.client.cookies.get(SESSION_COOKIE)
    assert value, "no session cookie"
    return value


def copy_session(source: Browser, target: Browser) -> None:
    """What someone who copied the cookie out of `source` (a shared machine, a proxy's
    log, malware) holds: the same signed value, replayed from another browser."""
    target.client.cookies.set(SESSION_COOKIE, session_cookie(source), path="/admin")


def without_generation(cookie: str) -> str:
    """The same session as the previous version of voiceapp wrote it: the admin's id
    with no session generation, signed with the site's key like any real cookie."""
    signer = TimestampSigner(SECRET_KEY)
    session = json.loads(b64decode(signer.unsign(cookie.encode())))
    del session[EPOCH_KEY]
    return signer.sign(b64encode(json.dumps(session).encode())).decode()


async def assert_logged_out(browser: Browser) -> None:
    response = await browser.get(ADMIN_PAGE)
    assert response.status_code == 303
    assert response.headers["location"].startswith(LOGIN_URL)


async def log_out(browser: Browser) -> None:
    response = await browser.submit(ADMIN_PAGE, "/admin/logout", {})
    assert response.status_code == 303


async def test_a_cookie_copied_before_logout_is_logged_out_after(
    admin: Browser, site_settings: Settings
) -> None:
    async with open_browser(site_settings) as thief:
        copy_session(admin, thief)
        assert (await thief.get(ADMIN_PAGE)).status_code == 200
        await log_out(admin)
        await assert_logged_out(thief)
        await assert_logged_out(admin)


async def test_a_logout_ends_every_session_of_that_admin_only(
    admin: Browser, site_settings: Settings
) -> None:
    await admins.create_admin("bob", PASSWORD)
    async with open_browser(site_settings) as laptop, open_browser(site_settings) as bobs:
        assert (await laptop.log_in()).status_code == 303
        assert (await bobs.log_in(username="bob")).status_code == 303
        await log_out(laptop)
        await assert_logged_out(laptop)
        await assert_logged_out(admin)
        assert (await bobs.get(ADMIN_PAGE)).status_code == 200


async def test_the_logout_notice_says_every_session_ended(admin: Browser) -> None:
    await log_out(admin)
    page = await admin.get("/admin/login")
    assert notices(page.text) == [
        "You are logged out everywhere: every session of this account has ended."
    ]


async def test_logging_in_again_after_a_logout_works(admin: Browser) -> None:
    await log_out(admin)
    assert (await admin.log_in()).status_code == 303
    assert (await admin.get(ADMIN_PAGE)).status_code == 200


async def test_a_copy_from_an_ended_session_cannot_log_the_admin_out_again(
    admin: Browser, site_settings: Settings
) -> None:
    async with open_browser(site_settings) as thief:
        copy_session(admin, thief)
        stolen_token = await thief.token("/admin/login")  # the old session's CSRF token
        await log_out(admin)
        assert (await admin.log_in()).status_code == 303
        response = await thief.client.post("/admin/logout", data={"csrf_token": stolen_token})
        assert response.status_code == 303
        assert (await admin.get(ADMIN_PAGE)).status_code == 200


async def test_a_session_from_before_generations_is_sent_to_the_login_page(
    admin: Browser, site_settings: Settings
) -> None:
    old_format = without_generation(session_cookie(admin))
    async with open_browser(site_settings) as browser:
        browser.client.cookies.set(SESSION_COOKIE, old_format, path="/admin")
        response = await browser.get(ADMIN_PAGE)
        assert response.status_code == 303
        assert response.headers["location"] == f"{LOGIN_URL}?next=%2Fadmin%2Fconferences"
        # Its logout is harmless, and leaves the account's current sessions alone.
        token = await browser.token("/admin/login")
        assert (
            await browser.client.post("/admin/logout", data={"csrf_token": token})
        ).status_code == 303
        assert (await admin.get(ADMIN_PAGE)).status_code == 200


async def test_a_new_password_logs_in_the_old_one_does_not_and_sessions_end(
    admin: Browser, site_settings: Settings
) -> None:
    new_password = "a brand new passphrase"
    async with open_browser(site_settings) as thief:
        copy_session(admin, thief)
        await admins.set_password(USERNAME, new_password)
        await assert_logged_out(admin)
        await assert_logged_out(thief)
        assert (await admin.log_in(password=PASSWORD)).status_code == 400
        assert (await admin.log_in(password=new_password)).status_code == 303
        assert (await admin.get(ADMIN_PAGE)).status_code == 200
        await assert_logged_out(thief)
