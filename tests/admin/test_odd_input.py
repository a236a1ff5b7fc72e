"""Admin URLs and requests nobody means to send: a clear 404 or a page, never a 500; and
every answer, error pages included, with the security headers."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive
from tortoise import connections

from voiceapp.accounts import admins
from voiceapp.admin import labels
from voiceapp.admin.csrf import verified_form
from voiceapp.app import create_app
from voiceapp.core.i18n import gettext
from voiceapp.core.models import CallRecord, Extension, ExtensionKind, Language
from voiceapp.core.settings import Settings
from voiceapp.history import call_records
from voiceapp.history.call_records import Outcome
from voiceapp.web.security_headers import HEADERS

from ..conftest import FR_NUMBER, PUBLIC_URL, provision_conference
from .conftest import PASSWORD, USERNAME, Browser

# ---- a conference ID that is not one -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/conferences/rooms/abc",
        "/admin/conferences/rooms/12",
        "/admin/conferences/rooms/abc/delete",
        "/admin/conferences/rooms/12/delete",
        "/admin/conferences/rooms/9999",  # a conference ID, but no room has it
    ],
)
async def test_a_room_url_that_names_no_room_is_404(admin: Browser, path: str) -> None:
    response = await admin.get(path)
    assert response.status_code == 404


# Past the 32-bit id columns: PostgreSQL refuses to compare such a number with them.
TOO_LARGE = "99999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/contacts/{TOO_LARGE}",
        f"/admin/contacts/{TOO_LARGE}/delete",
        f"/admin/groups/{TOO_LARGE}",
        f"/admin/groups/{TOO_LARGE}/delete",
        f"/admin/meetings/{TOO_LARGE}/edit",
        f"/admin/meetings/{TOO_LARGE}/cancel",
        f"/admin/outbox/{TOO_LARGE}",
        f"/admin/outbox/{TOO_LARGE}/html",
        f"/admin/voicemail/{TOO_LARGE}/audio",
        f"/admin/voicemail/{TOO_LARGE}/delete",
        f"/admin/recordings/{TOO_LARGE}/audio",
        f"/admin/recordings/{TOO_LARGE}/delete",
    ],
)
async def test_an_id_larger_than_any_row_is_404(admin: Browser, path: str) -> None:
    response = await admin.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/conferences/rooms/abc", {"name": "X", "new_conference_id": "777"}),
        ("/admin/conferences/rooms/abc/delete", {}),
    ],
)
async def test_posting_to_a_room_url_that_names_no_room_is_404(
    admin: Browser, path: str, data: dict[str, str]
) -> None:
    response = await admin.submit("/admin/conferences", path, data)
    assert response.status_code == 404


# ---- the call history ----------------------------------------------------------------------


async def add_calls(count: int, outcome: str = Outcome.JOINED.value) -> None:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for n in range(count):
        await CallRecord.create(
            call_sid=f"CA{n:032d}",
            caller=f"+336123456{n:02d}",
            called=FR_NUMBER,
            outcome=outcome,
            started_at=start + timedelta(minutes=n),
        )


@pytest.mark.parametrize(
    "page", ["9" * 20, "18446744073709551616", "9" * 5000, "3"], ids=["20", "2^64", "5000", "3"]
)
async def test_a_page_past_the_last_shows_the_last(admin: Browser, page: str) -> None:
    await add_calls(30)
    response = await admin.get(f"/admin/history?page={page}")
    assert response.status_code == 200
    callers = re.findall(r'data-label="Caller">([^<]+)<', response.text)
    if len(page) < 4300:
        assert "Page 2 of 2" in response.text
        assert callers[-1] == "+33612345600"
    else:  # more digits than a number can be read from: page 1, as for "nonsense"
        assert "Page 1 of 2" in response.text


async def test_history_shows_a_call_to_an_unknown_extension(admin: Browser) -> None:
    await add_calls(1, Outcome.UNKNOWN_EXTENSION.value)
    response = await admin.get("/admin/history")
    assert response.status_code == 200
    assert "Unknown extension" in response.text
    french = await admin.get("/admin/history", headers={"Accept-Language": "fr"})
    assert "Poste inconnu" in french.text


async def test_history_shows_an_outcome_this_version_does_not_know_as_stored(
    admin: Browser,
) -> None:
    await add_calls(1, "left_by_a_future_version")
    response = await admin.get("/admin/history")
    assert response.status_code == 200
    assert "left_by_a_future_version" in response.text


# Every enum whose values the admin pages show (each member's label is written beside it).
SHOWN: list[type[Outcome | ExtensionKind | Language]] = [Outcome, ExtensionKind, Language]


@pytest.mark.parametrize("enum", SHOWN, ids=[enum.__name__ for enum in SHOWN])
@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_value_shown_to_people_has_a_translated_label(
    enum: type[Outcome | ExtensionKind | Language], language: str
) -> None:
    """A new member without a label would break the page that shows it."""
    for member in enum:
        assert member.label
        assert gettext(language, member.label) != member.label


def test_every_outcome_reads_as_a_label() -> None:
    for outcome in Outcome:
        assert call_records.Outcome(outcome.value) is outcome
        assert labels.outcome_label(outcome.value) == outcome.label


def test_language_drop_down_and_kind_show_the_labels() -> None:
    assert labels.options(labels.CALLER_LANGUAGES, partial(gettext, "es")) == [
        ("fr", "Francés"),
        ("es", "Español"),
    ]
    assert labels.kind_label(Extension(number="300", kind=ExtensionKind.RING_GROUP)) == (
        "Ring group"
    )


# ---- security headers on error pages -------------------------------------------------------


@pytest.fixture
async def site(site_settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app and a logged-in client that gets a 500 as a server sends it, rather than
    the exception raised into the test."""
    app = create_app(site_settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
    ):
        await admins.create_admin(USERNAME, PASSWORD)
        await provision_conference(site_settings)
        assert (await Browser(client).log_in()).status_code == 303
        yield app, client


def assert_secured(response: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/admin/conferences", 200),
        ("GET", "/admin/no-such-page", 404),  # no admin route matches
        ("GET", "/admin/conferences/rooms/abc", 404),  # a route matches, the room does not
        ("DELETE", "/admin/conferences", 405),
        ("GET", "/admin/static/no-such.css", 404),
    ],
)
async def test_every_admin_answer_carries_the_security_headers(
    site: tuple[Starlette, httpx.AsyncClient], method: str, path: str, status: int
) -> None:
    _, client = site
    response = await client.request(method, path)
    assert response.status_code == status
    assert_secured(response)


async def test_a_500_carries_the_security_headers(
    site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    _, client = site
    await connections.get("default").execute_script(
        "ALTER TABLE call_record RENAME TO call_record_gone"
    )
    response = await client.get("/admin/history")
    assert response.status_code == 500
    assert "Something went wrong" in response.text  # the admin's 500 page (error_pages.py)
    assert "call_record" not in response.text  # nothing of the exception
    assert_secured(response)


# ---- an upload the browser abandons --------------------------------------------------------

ROOM_PAGE = "/admin/conferences/rooms/5555"
BOUNDARY = "voiceappboundary"


def abandoned_upload(cookie: str) -> tuple[dict[str, Any], Receive]:
    """An ASGI request that sends the start of a multipart form, then the browser leaves."""
    head = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="recording"; '
            'filename="greeting.wav"\r\nContent-Type: audio/wav\r\n\r\n'
        ).encode()
        + b"RIFF"
        + bytes(4096)
    )
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": ROOM_PAGE,
        "raw_path": ROOM_PAGE.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"voice.example.test"),
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"content-length", b"100000"),  # within what an admin form may send
            (b"cookie", cookie.encode()),
        ],
        "server": ("voice.example.test", 443),
        "client": ("203.0.113.9", 50000),
        "state": {},
        "session": {},
    }
    messages: list[Message] = [
        {"type": "http.request", "body": head, "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return scope, receive


def lines_about(caplog: pytest.LogCaptureFixture, path: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if path in record.getMessage()]


async def test_an_abandoned_upload_leaves_no_traceback(
    site: tuple[Starlette, httpx.AsyncClient], caplog: pytest.LogCaptureFixture
) -> None:
    """Anything the app raises out of its ASGI call is what the server logs with a
    traceback: an upload the browser abandons must raise nothing."""
    app, client = site
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    scope, receive = abandoned_upload(cookie)

    async def send(message: Message) -> None:
        pass  # nobody is listening any more

    caplog.set_level(logging.INFO)
    await app(scope, receive, send)
    assert [record for record in caplog.records if record.exc_info] == []
    assert len(lines_about(caplog, ROOM_PAGE)) <= 1


async def test_a_form_the_browser_left_is_one_log_line_and_a_400(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Where the body does reach the admin form reader cut short, it says so in one line
    and answers 400, rather than raising the disconnect for the server to log."""
    scope, receive = abandoned_upload("")
    caplog.set_level(logging.INFO)
    with pytest.raises(HTTPException) as refused:
        await verified_form(Request(scope, receive))
    assert refused.value.status_code == 400
    [line] = lines_about(caplog, ROOM_PAGE)
    assert line.exc_info is None
    assert "\n" not in line.getMessage()
