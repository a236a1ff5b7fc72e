"""The admin's error pages: a refused form (CSRF), no such page, a fault of ours. Each
is an admin page (the stylesheet, the page's language, the security headers) with a way
back; the 500 logs its traceback and shows nothing of the exception."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from voiceapp.conferencing import rooms
from voiceapp.web.security_headers import HEADERS

from ..conftest import PUBLIC_URL
from .conftest import Browser

# language -> (title of the refused form's page, of the 404, of the 500)
TITLES = {
    "en": ("This form has expired", "Page not found", "Something went wrong"),
    "fr": ("Ce formulaire a expiré", "Page introuvable", "Une erreur s'est produite"),
    "es": ("Este formulario ha caducado", "Página no encontrada", "Algo salió mal"),
}
LANGUAGES = list(TITLES)


def assert_admin_page(response: httpx.Response, language: str, title: str) -> None:
    """Styled (the admin layout and stylesheet), in `language`, with the headers."""
    page = response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{language}">' in page
    assert "/admin/static/admin.css" in page
    assert f'<h1 id="error-title">{title}</h1>' in page.replace("&#39;", "'")
    assert f"<title>{title} · voiceapp</title>" in page.replace("&#39;", "'")
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    assert response.headers["cache-control"] == "no-store"


def back_link(page: str) -> str:
    found = re.search(r'<a class="button" href="([^"]*)" data-main-action>', page)
    assert found is not None
    return found.group(1)


# ---- a refused form ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_refused_form_says_it_expired_with_a_way_back(
    admin: Browser, language: str
) -> None:
    admin.client.headers["Accept-Language"] = language
    response = await admin.client.post(
        "/admin/conferences/rooms",
        data={"name": "Ventes", "csrf_token": "from another session"},
        headers={"Referer": f"{PUBLIC_URL}/admin/conferences"},
    )
    assert response.status_code == 403
    assert_admin_page(response, language, TITLES[language][0])
    # Back to the page the form was on, which the Referer names.
    assert back_link(response.text) == "/admin/conferences"


@pytest.mark.parametrize(
    "referer",
    [
        "https://elsewhere.example/admin/conferences",  # another site
        f"{PUBLIC_URL}/voice/incoming",  # ours, but not an admin page
        f"{PUBLIC_URL}//elsewhere.example/admin/",  # a path that leaves the site
        "not a URL",
        None,
    ],
)
async def test_the_way_back_never_leaves_the_admin_pages(
    admin: Browser, referer: str | None
) -> None:
    headers = {"Referer": referer} if referer else {}
    response = await admin.client.post(
        "/admin/numbers", data={"csrf_token": "forged"}, headers=headers
    )
    assert response.status_code == 403
    assert back_link(response.text) == "/admin/"


async def test_an_expired_login_form_leads_back_to_the_login(visitor: Browser) -> None:
    response = await visitor.client.post(
        "/admin/login",
        data={"username": "alice", "password": "x", "csrf_token": "stale"},
        headers={"Referer": f"{PUBLIC_URL}/admin/login?next=/admin/numbers"},
    )
    assert response.status_code == 403
    assert_admin_page(response, "en", TITLES["en"][0])
    # Back to the same login page, its destination kept.
    assert back_link(response.text) == "/admin/login?next=/admin/numbers"


# ---- no such page ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "path",
    [
        "/admin/no-such-page",  # no admin route
        "/admin/conferences/rooms/777",  # a route, no such room
        "/admin/static/no-such.css",
    ],
)
async def test_not_found_is_an_admin_page(admin: Browser, language: str, path: str) -> None:
    admin.client.headers["Accept-Language"] = language
    response = await admin.get(path)
    assert response.status_code == 404
    assert_admin_page(response, language, TITLES[language][1])
    assert back_link(response.text) == "/admin/"


async def test_a_wrong_method_keeps_its_status_and_allow_header(admin: Browser) -> None:
    response = await admin.client.delete("/admin/conferences")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert "This request cannot be answered" in response.text


async def test_the_webhooks_keep_their_own_answers(admin: Browser) -> None:
    """The error pages are the admin mount's: a webhook still answers as a carrier expects."""
    refused = await admin.client.post("/voice/incoming", data={"CallSid": "CA1"})
    assert refused.status_code == 403
    assert "admin.css" not in refused.text
    missing = await admin.get("/voice/no-such-hook")
    assert missing.status_code == 404
    assert "admin.css" not in missing.text


# ---- a fault of ours -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_failure_is_a_styled_500_that_logs_and_leaks_nothing(
    admin: Browser,
    language: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(rooms, "list_rooms", broken)  # what the Conferences page reads
    admin.client.headers["Accept-Language"] = language
    with caplog.at_level(logging.ERROR, logger="voiceapp.admin.error_pages"):
        response = await admin.get("/admin/conferences")
    assert response.status_code == 500
    assert_admin_page(response, language, TITLES[language][2])
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    [record] = [r for r in caplog.records if r.name == "voiceapp.admin.error_pages"]
    assert record.getMessage() == "admin page GET /admin/conferences failed"
    assert record.exc_info is not None
    assert "hunter2" in caplog.text  # the traceback, for whoever reads the server's log
    assert "in broken" in caplog.text
    # Nothing else is broken: still logged in, the next page works.
    assert (await admin.get("/admin/numbers")).status_code == 200
