"""The first run: no secret key, no carrier token, no admin account set by hand.

The server makes and keeps its own secrets, `voiceapp serve` prints a one-time setup
link, the setup page makes the first admin once, and the login page says how to get in.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from argon2 import PasswordHasher

from voiceapp.accounts import first_admin
from voiceapp.core.models import AdminUser, ServerSecret
from voiceapp.core.settings import Settings
from voiceapp.emulator.carrier import Carrier
from voiceapp.web.security_headers import HEADERS
from voiceapp.webhooks.signature import HEADER, sign

from ..conftest import FR_NUMBER, PUBLIC_URL, make_settings, provision_conference
from .conftest import PASSWORD, USERNAME, Browser, field_error, open_browser

GOOD = {"username": USERNAME, "password": PASSWORD, "password_again": PASSWORD}


@pytest.fixture
def unconfigured(migrated_database_url: str) -> Settings:
    """The quick start's settings: no VOICEAPP_SECRET_KEY and no TWILIO_AUTH_TOKEN."""
    return make_settings(migrated_database_url, TWILIO_AUTH_TOKEN="")


@pytest.fixture
async def newcomer(unconfigured: Settings) -> Browser:
    async with open_browser(unconfigured) as browser:
        yield browser  # type: ignore[misc]


async def post_setup(browser: Browser, token: str, data: dict[str, str]) -> httpx.Response:
    return await browser.submit(
        f"/admin/setup?token={token}", "/admin/setup", {**data, "token": token}
    )


async def test_the_login_page_says_how_to_get_in_until_an_admin_exists(newcomer: Browser) -> None:
    page = (await newcomer.get("/admin/login")).text
    assert "There is no admin account yet" in page
    assert "voiceapp admin create-user NAME" in page  # translated: NOM, NOMBRE
    french = await newcomer.get("/admin/login", headers={"Accept-Language": "fr"})
    assert "Il n'y a pas encore de compte administrateur" in french.text

    await post_setup(newcomer, await first_admin.open_setup() or "", GOOD)
    await newcomer.client.post(
        "/admin/logout", data={"csrf_token": await newcomer.token("/admin/conferences")}
    )
    assert "There is no admin account yet" not in (await newcomer.get("/admin/login")).text


async def test_the_setup_link_makes_the_first_admin_once(newcomer: Browser) -> None:
    token = await first_admin.open_setup()
    assert token is not None
    page = await newcomer.get(f"/admin/setup?token={token}")
    assert page.status_code == 200
    assert "At least 10 characters" in page.text  # the password rule is stated

    created = await post_setup(newcomer, token, GOOD)
    assert created.status_code == 303
    assert created.headers["location"].endswith("/admin/conferences")
    # Logged in at once, with an argon2id hash and no password kept.
    assert (await newcomer.get("/admin/conferences")).status_code == 200
    admin = await AdminUser.get(username=USERNAME)
    assert admin.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(admin.password_hash, PASSWORD)

    # The link is dead now: the page says so, and posting it again makes nobody.
    dead = await newcomer.get(f"/admin/setup?token={token}")
    assert dead.status_code == 404
    assert "An admin account exists already" in dead.text
    again = await post_setup(newcomer, token, {**GOOD, "username": "mallory"})
    assert again.status_code == 404
    assert await AdminUser.all().count() == 1
    assert await first_admin.open_setup() is None  # no new link once an admin exists


async def test_a_wrong_or_replaced_token_opens_nothing(newcomer: Browser) -> None:
    old = await first_admin.open_setup()
    new = await first_admin.open_setup()  # the server started again
    assert old and new and old != new
    for token in (old, "", "x" * 43):
        page = await newcomer.get(f"/admin/setup?token={token}")
        assert page.status_code == 404
        assert 'name="password"' not in page.text
        assert (await post_setup(newcomer, token, GOOD)).status_code == 404
    assert not await AdminUser.exists()
    # Only a hash of the token is kept.
    kept = await ServerSecret.get(name=first_admin.SETUP_TOKEN)
    assert new not in kept.value


async def test_setup_errors_are_shown_beside_their_field(newcomer: Browser) -> None:
    token = await first_admin.open_setup() or ""
    short = await post_setup(
        newcomer, token, {**GOOD, "password": "short", "password_again": "short"}
    )
    assert short.status_code == 400
    assert "at least 10 characters" in field_error(short.text, "password")
    differ = await post_setup(newcomer, token, {**GOOD, "password_again": PASSWORD + "!"})
    assert "differ" in field_error(differ.text, "password_again")
    bad_name = await post_setup(newcomer, token, {**GOOD, "username": "two words"})
    assert "no spaces" in field_error(bad_name.text, "username")
    # None of that spent the link.
    assert (await post_setup(newcomer, token, GOOD)).status_code == 303


async def test_two_posts_of_one_link_at_once_make_one_admin(unconfigured: Settings) -> None:
    async with open_browser(unconfigured) as one, open_browser(unconfigured) as two:
        token = await first_admin.open_setup() or ""
        answers = await asyncio.gather(
            post_setup(one, token, GOOD),
            post_setup(two, token, {**GOOD, "username": "bob"}),
        )
        assert sorted(answer.status_code for answer in answers) == [303, 404]
        assert await AdminUser.all().count() == 1


async def test_webhooks_are_checked_with_the_kept_carrier_token(
    unconfigured: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """No TWILIO_AUTH_TOKEN: the emulator signs with the token the server keeps; a wrong
    signature is logged as bad, a missing one as unsigned, and no token is ever logged."""
    caplog.set_level(logging.INFO)
    async with open_browser(unconfigured) as browser:
        await provision_conference(unconfigured)
        kept = (await ServerSecret.get(name="carrier_token")).value
        carrier = Carrier(browser.client, PUBLIC_URL, kept)
        call = await carrier.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
        assert call.conference is not None and call.conference.participants == [call.call_sid]
        await call.hangup()

        url = PUBLIC_URL + "/voice/incoming"
        form = {"CallSid": "CA" + "1" * 32, "From": "+33612345678", "To": FR_NUMBER}
        wrong = await browser.client.post(
            url, data=form, headers={HEADER: sign("not-ours", url, form)}
        )
        unsigned = await browser.client.post(url, data=form)
    assert wrong.status_code == unsigned.status_code == 403
    assert "refused request to /voice/incoming: bad signature" in caplog.text
    assert "refused request to /voice/incoming: unsigned" in caplog.text
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text
    assert kept not in caplog.text


async def test_with_the_database_down_at_start_the_admin_pages_say_they_wait(
    tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    """The session key lives in the database: unreadable at start, the admin pages answer
    503 saying why (with their protective headers) rather than fail or sign with nothing."""
    settings = make_settings(f"sqlite://{tmp_path}/missing/dir/voiceapp.sqlite3")
    async with open_browser(settings) as browser:
        response = await browser.get("/admin/login")
    assert response.status_code == 503
    assert "waiting for the database" in response.text
    assert response.headers["retry-after"] == "5"
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS
    assert "cannot read the secrets kept in the database yet" in caplog.text


async def test_changing_language_on_the_setup_page_keeps_the_link(newcomer: Browser) -> None:
    token = await first_admin.open_setup() or ""
    page = f"/admin/setup?token={token}"
    switched = await newcomer.submit(page, "/admin/language", {"language": "fr", "next": page})
    assert switched.status_code == 303
    assert switched.headers["location"] == page
    french = await newcomer.get(switched.headers["location"])
    assert french.status_code == 200
    assert "Créer le premier compte administrateur" in french.text
    assert 'name="password"' in french.text
