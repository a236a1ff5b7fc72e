"""Logging in and out, sessions, CSRF, the login limit and the language switcher."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from voiceapp import admin
from voiceapp.accounts import admins
from voiceapp.core.settings import Settings, SettingsError

from ..conftest import make_settings
from .conftest import PASSWORD, USERNAME, Browser, admin_settings, banner, field_value, open_browser


def admin_routes(settings: Settings) -> list[tuple[str, str]]:
    """(method, path) of every admin route, path parameters filled in."""
    found = []
    for route in admin.mount().routes:
        if isinstance(route, Route):
            path = "/admin" + re.sub(r"\{(\w+)(:\w+)?\}", "800", route.path)
            found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


async def test_admin_root_without_session_redirects_to_login(visitor: Browser) -> None:
    response = await visitor.get("/admin/")
    assert response.status_code == 303
    assert response.headers["location"] == "https://voice.example.test/admin/login?next=%2Fadmin%2F"


async def test_every_page_and_action_needs_a_session(
    visitor: Browser, site_settings: Settings
) -> None:
    # The setup page is the one way in before any account exists: its one-time token
    # guards it instead (test_first_run.py).
    public = {"/admin/login", "/admin/language", "/admin/setup"}
    routes = [(m, p) for m, p in admin_routes(site_settings) if p not in public]
    assert len(routes) > 20
    token = await visitor.token("/admin/login")
    for method, path in routes:
        response = await visitor.client.request(method, path, data={"csrf_token": token})
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("https://voice.example.test/admin/login")


async def test_login_sets_a_signed_httponly_lax_secure_cookie(visitor: Browser) -> None:
    response = await visitor.log_in()
    assert response.status_code == 303
    assert response.headers["location"] == "https://voice.example.test/admin/conferences"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("voiceapp_admin=")
    for flag in ("httponly", "samesite=lax", "secure", "path=/admin"):
        assert flag in cookie
    page = await visitor.get("/admin/conferences")
    assert page.status_code == 200
    assert f"Log out {USERNAME}" in page.text


async def test_cookie_is_not_secure_on_a_plain_http_public_url(site_settings: Settings) -> None:
    settings = admin_settings(
        site_settings.database_url, VOICEAPP_PUBLIC_URL="http://127.0.0.1:8000"
    )
    async with open_browser(settings) as browser:
        response = await browser.get("/admin/login")
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "secure" not in cookie


async def test_wrong_password_keeps_username_and_never_echoes_password(visitor: Browser) -> None:
    response = await visitor.log_in(password="not the password")
    assert response.status_code == 400
    assert banner(response.text) == "Wrong username or password."
    assert field_value(response.text, "username") == USERNAME
    assert "not the password" not in response.text
    assert (await visitor.get("/admin/conferences")).status_code == 303


async def test_unknown_user_is_refused_like_a_wrong_password(visitor: Browser) -> None:
    response = await visitor.log_in(username="mallory")
    assert response.status_code == 400
    assert banner(response.text) == "Wrong username or password."


async def test_logout_ends_the_session(admin: Browser) -> None:
    response = await admin.submit("/admin/conferences", "/admin/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "https://voice.example.test/admin/login"
    assert "You are logged out everywhere" in (await admin.get("/admin/login")).text
    assert (await admin.get("/admin/conferences")).status_code == 303


async def test_a_stolen_pre_login_token_is_not_valid_after_login(visitor: Browser) -> None:
    before = await visitor.token("/admin/login")
    await visitor.log_in()
    response = await visitor.client.post(
        "/admin/conferences/rooms", data={"csrf_token": before, "name": "x"}
    )
    assert response.status_code == 403


async def test_every_post_without_csrf_token_is_refused(
    admin: Browser, site_settings: Settings
) -> None:
    posts = [path for method, path in admin_routes(site_settings) if method == "POST"]
    assert "/admin/login" in posts and "/admin/logout" in posts
    for path in posts:
        missing = await admin.client.post(path, data={"name": "x"})
        assert missing.status_code == 403, path
        forged = await admin.client.post(path, data={"name": "x", "csrf_token": "forged"})
        assert forged.status_code == 403, path
    assert (await admin.get("/admin/conferences")).status_code == 200  # still logged in


async def test_login_is_rate_limited_per_username_across_workers(
    visitor: Browser, site_settings: Settings
) -> None:
    for _ in range(site_settings.login_max_failures_per_user):
        assert (await visitor.log_in(password="guess")).status_code == 400
    refused = await visitor.log_in()  # the right password, too late
    assert refused.status_code == 429
    assert "Too many failed logins" in banner(refused.text)
    # Another worker (another app on the same database) refuses too: no process memory.
    async with open_browser(site_settings) as other_worker:
        assert (await other_worker.log_in()).status_code == 429


async def test_login_is_rate_limited_per_address(visitor: Browser, site_settings: Settings) -> None:
    settings = admin_settings(
        site_settings.database_url,
        VOICEAPP_LOGIN_MAX_FAILURES="100",
        VOICEAPP_LOGIN_MAX_FAILURES_PER_ADDRESS="3",
    )
    async with open_browser(settings) as browser:
        for name in ("bob", "carol", "dave"):
            assert (await browser.log_in(username=name, password="guess")).status_code == 400
        assert (await browser.log_in()).status_code == 429


async def test_successful_login_clears_the_username_failures(
    visitor: Browser, site_settings: Settings
) -> None:
    for _ in range(site_settings.login_max_failures_per_user - 1):
        await visitor.log_in(password="guess")
    assert (await visitor.log_in()).status_code == 303
    await visitor.submit("/admin/conferences", "/admin/logout", {})
    for _ in range(site_settings.login_max_failures_per_user - 1):
        await visitor.log_in(password="guess")
    assert (await visitor.log_in()).status_code == 303


async def test_login_never_redirects_off_site(visitor: Browser) -> None:
    token = await visitor.token("/admin/login")
    for target in ("https://evil.example/", "//evil.example/admin/", "/admin//evil.example"):
        response = await visitor.client.post(
            "/admin/login",
            data={"csrf_token": token, "username": USERNAME, "password": PASSWORD, "next": target},
        )
        assert response.headers["location"] == "https://voice.example.test/admin/conferences"
        token = await visitor.token("/admin/login")


async def test_login_returns_to_the_page_asked_for(visitor: Browser) -> None:
    first = await visitor.get("/admin/numbers")
    login_url = first.headers["location"]
    assert login_url.endswith("/admin/login?next=%2Fadmin%2Fnumbers")
    assert 'name="next" value="/admin/numbers"' in (await visitor.get(login_url)).text
    response = await visitor.submit(
        login_url,
        "/admin/login",
        {"username": USERNAME, "password": PASSWORD, "next": "/admin/numbers"},
    )
    assert response.headers["location"] == "/admin/numbers"


async def test_security_headers(visitor: Browser) -> None:
    response = await visitor.get("/admin/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


async def test_with_no_secret_key_the_server_makes_one_that_every_worker_shares(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """No VOICEAPP_SECRET_KEY: the first worker makes a key and keeps it in the database;
    a login on one worker holds on another, and after a restart."""
    assert settings.secret_key == ""
    async with open_browser(settings) as first, open_browser(settings) as second:
        await admins.create_admin(USERNAME, PASSWORD)
        assert (await first.log_in()).status_code == 303
        second.client.cookies = first.client.cookies
        assert (await second.get("/admin/conferences")).status_code == 200
    async with open_browser(settings) as restarted:
        restarted.client.cookies = first.client.cookies
        assert (await restarted.get("/admin/conferences")).status_code == 200
    kept = await _kept_secret(settings, "session_key")
    assert len(kept) >= 48
    assert kept not in caplog.text


async def test_a_secret_key_in_the_environment_wins(settings: Settings) -> None:
    async with open_browser(settings) as made_here:
        await admins.create_admin(USERNAME, PASSWORD)
        assert (await made_here.log_in()).status_code == 303
    # Signed with the kept key: refused by a server whose key is set by hand.
    async with open_browser(admin_settings(settings.database_url)) as configured:
        configured.client.cookies = made_here.client.cookies
        response = await configured.get("/admin/conferences")
        assert response.status_code == 303
        assert "/admin/login" in response.headers["location"]


async def _kept_secret(settings: Settings, name: str) -> str:
    from voiceapp.core.db import database
    from voiceapp.core.models import ServerSecret

    async with database(settings.database_url):
        return (await ServerSecret.get(name=name)).value


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="VOICEAPP_SECRET_KEY must be at least 32"):
        make_settings("sqlite://x.sqlite3", VOICEAPP_SECRET_KEY="short")


# ---- language ----------------------------------------------------------------------------


async def test_login_page_follows_accept_language(visitor: Browser) -> None:
    french = await visitor.get("/admin/login", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert '<html lang="fr">' in french.text
    assert "Mot de passe" in french.text
    spanish = await visitor.get("/admin/login", headers={"Accept-Language": "de, es;q=0.8"})
    assert "Contraseña" in spanish.text
    english = await visitor.get("/admin/login", headers={"Accept-Language": "de"})
    assert "Password" in english.text


async def test_language_switcher_sticks_across_pages_and_logout(admin: Browser) -> None:
    response = await admin.submit(
        "/admin/numbers", "/admin/language", {"language": "es", "next": "/admin/numbers"}
    )
    assert response.headers["location"] == "/admin/numbers"
    headers = {"Accept-Language": "fr"}  # the explicit choice wins over the browser's
    page = await admin.get("/admin/numbers", headers=headers)
    assert '<html lang="es">' in page.text
    assert "Números de teléfono" in page.text
    await admin.submit("/admin/numbers", "/admin/logout", {})
    assert "Contraseña" in (await admin.get("/admin/login", headers=headers)).text


async def test_a_form_sent_after_the_session_ended_says_so_and_leads_back(
    admin: Browser,
) -> None:
    token = await admin.token("/admin/conferences")
    await admin.client.post("/admin/logout", data={"csrf_token": token})
    sent = await admin.client.post(
        "/admin/conferences/rooms",
        data={"name": "Ventes", "conference_id": "1234", "csrf_token": token},
        headers={"Referer": "https://voice.example.test/admin/conferences?x=1"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("/admin/login?next=%2Fadmin%2Fconferences%3Fx%3D1")
    login = await admin.get(sent.headers["location"])
    assert "the form you sent was not saved" in login.text
    # A Referer from elsewhere is not followed.
    elsewhere = await admin.client.post(
        "/admin/conferences/rooms",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/admin/numbers"},
    )
    assert elsewhere.headers["location"].endswith("/admin/login")
