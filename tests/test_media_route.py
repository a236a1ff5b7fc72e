"""GET /media/<path>: headers, revalidation (304), byte ranges (206, 416), and every way
of asking for a file outside the media directory (404)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from starlette.applications import Starlette

from voiceapp.app import create_app

from .conftest import make_settings

AUDIO = bytes(range(256)) * 40  # 10240 bytes, every offset distinguishable


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    media = tmp_path / "selfhost_media"
    (media / "fr").mkdir(parents=True)
    (media / "fr" / "greeting.wav").write_bytes(AUDIO)
    (media / "greetings").mkdir()
    (media / "greetings" / "room-1.mp3").write_bytes(b"ID3" + bytes(100))
    (media / "manifest.json").write_text("{}")
    # Files an escape would reach: next to the media directory, and through a symlink.
    (tmp_path / "secret.wav").write_bytes(b"secret")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    (media / "fr" / "linked.wav").symlink_to(tmp_path / "secret.wav")
    return media


@pytest.fixture
def app(media_dir: Path, tmp_path: Path) -> Starlette:
    settings = make_settings(
        f"sqlite://{tmp_path}/unused.sqlite3", VOICEAPP_MEDIA_DIR=str(media_dir)
    )
    return create_app(settings)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://voice.example.test") as c:
        yield c


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


async def exchange(
    app: Starlette, raw_path: bytes, on_headers: Callable[[], None] = lambda: None
) -> Answer:
    """Send a path exactly as given, as a server hands it to the app: percent-decoded once,
    with no dot-segment clean-up (httpx would clean up "../" before sending). `on_headers`
    runs when the response's headers are sent, before its body."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"voice.example.test")],
        "server": ("voice.example.test", 443),
        "client": ("203.0.113.9", 5060),
    }
    answer = Answer(0, {}, b"")
    requested = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # the client stays connected until the response is sent
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status, answer.headers = message["status"], dict(message["headers"])
            on_headers()
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if not message.get("more_body"):
                finished.set()

    await app(scope, receive, send)
    return answer


async def raw_get(app: Starlette, raw_path: bytes) -> int:
    return (await exchange(app, raw_path)).status


async def test_serves_audio_with_type_length_and_validators(client: httpx.AsyncClient) -> None:
    response = await client.get("/media/fr/greeting.wav?v=0123456789abcdef")
    assert response.status_code == 200
    assert response.content == AUDIO
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["content-length"] == str(len(AUDIO))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    mp3 = await client.get("/media/greetings/room-1.mp3")
    assert mp3.headers["content-type"] == "audio/mpeg"


async def test_head_gives_headers_only(client: httpx.AsyncClient) -> None:
    response = await client.head("/media/fr/greeting.wav")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(AUDIO))
    assert response.content == b""


async def test_revalidation_with_etag_or_date_gives_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/media/fr/greeting.wav")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = await client.get("/media/fr/greeting.wav", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag.headers["etag"] == etag
    weak = await client.get("/media/fr/greeting.wav", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    by_date = await client.get("/media/fr/greeting.wav", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    stale = await client.get("/media/fr/greeting.wav", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.content == AUDIO
    older = formatdate(0, usegmt=True)
    assert (
        await client.get("/media/fr/greeting.wav", headers={"If-Modified-Since": older})
    ).status_code == 200


async def test_if_none_match_any_gives_304(client: httpx.AsyncClient) -> None:
    # RFC 9110's "*": whatever version the client holds is current, as the file exists.
    response = await client.get("/media/fr/greeting.wav", headers={"If-None-Match": "*"})
    assert response.status_code == 304


async def test_changed_file_gets_a_new_etag(client: httpx.AsyncClient, media_dir: Path) -> None:
    before = (await client.get("/media/fr/greeting.wav")).headers["etag"]
    path = media_dir / "fr" / "greeting.wav"
    path.write_bytes(AUDIO[:100])
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    response = await client.get("/media/fr/greeting.wav", headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response.content == AUDIO[:100]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, len(AUDIO) - 1),
        ("bytes=-240", len(AUDIO) - 240, len(AUDIO) - 1),
        ("bytes=10000-99999", 10000, len(AUDIO) - 1),
    ],
)
async def test_byte_ranges_give_206(
    client: httpx.AsyncClient, header: str, first: int, last: int
) -> None:
    response = await client.get("/media/fr/greeting.wav", headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(AUDIO)}"
    assert response.headers["content-length"] == str(last - first + 1)
    assert response.content == AUDIO[first : last + 1]


async def test_range_past_the_end_gives_416(client: httpx.AsyncClient) -> None:
    response = await client.get("/media/fr/greeting.wav", headers={"Range": "bytes=20000-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(AUDIO)}"


# Python refuses int() of more than 4,300 digits; a header may carry any number of them.
MANY_NINES = "9" * 5000


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        (f"bytes=0-{MANY_NINES}", 0, len(AUDIO) - 1),
        (f"bytes=-{MANY_NINES}", 0, len(AUDIO) - 1),
        (f"bytes={'0' * 5000}5-{'0' * 5000}9", 5, 9),
        ("bytes=10-99999999999999999999", 10, len(AUDIO) - 1),
    ],
    ids=["last", "suffix", "leading-zeros", "20-digits"],
)
async def test_positions_of_any_length_are_read(
    client: httpx.AsyncClient, header: str, first: int, last: int
) -> None:
    response = await client.get("/media/fr/greeting.wav", headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(AUDIO)}"
    assert response.content == AUDIO[first : last + 1]


@pytest.mark.parametrize("digits", [4301, 20])
async def test_a_first_byte_of_any_length_past_the_end_gives_416(
    client: httpx.AsyncClient, digits: int
) -> None:
    response = await client.get(
        "/media/fr/greeting.wav", headers={"Range": f"bytes={'9' * digits}-"}
    )
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(AUDIO)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-2", "bytes=-"])
async def test_ranges_we_do_not_serve_give_the_whole_file(
    client: httpx.AsyncClient, header: str
) -> None:
    response = await client.get("/media/fr/greeting.wav", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == AUDIO


async def test_if_range_with_an_old_etag_gives_the_whole_file(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/media/fr/greeting.wav", headers={"Range": "bytes=0-9", "If-Range": '"old"'}
    )
    assert response.status_code == 200
    assert response.content == AUDIO


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/media/../secret.wav",
        b"/media/fr/../../secret.wav",
        b"/media/%2e%2e/secret.wav",
        b"/media/%2E%2E%2Fsecret.wav",
        b"/media/fr/..%2f..%2fsecret.wav",
        b"/media/%252e%252e%252fsecret.wav",
        b"/media/..%5csecret.wav",
        b"/media/fr%5c..%5c..%5csecret.wav",
        b"/media//etc/passwd",
        b"/media/%2fetc%2fpasswd",
        b"/media/fr/greeting.wav%00.txt",
        b"/media/fr/linked.wav",
        b"/media/../secret.txt",
        b"/media/manifest.json",
        b"/media/",
        b"/media/fr",
        b"/media/fr/",
        b"/media/fr/.",
        b"/media/fr/missing.wav",
    ],
)
async def test_anything_but_an_audio_file_inside_the_directory_is_404(
    app: Starlette, raw_path: bytes
) -> None:
    assert await raw_get(app, raw_path) == 404


async def test_raw_get_reaches_real_files(app: Starlette) -> None:
    # The helper above would pass for the wrong reason if it never reached the route.
    assert await raw_get(app, b"/media/fr/greeting.wav") == 200
    assert await raw_get(app, b"/media/fr%2Fgreeting.wav") == 200


async def test_a_file_replaced_while_it_is_sent_arrives_as_it_was(
    app: Starlette, media_dir: Path
) -> None:
    """A render replaces a file (write aside, os.replace) while a carrier fetches it: the
    carrier gets the file its headers describe, whole, not the head of one and the tail of
    another, nor more or fewer bytes than Content-Length says. (FileResponse would open the
    path again after sending the headers: one reason the route streams the file it opened.)"""
    path = media_dir / "fr" / "greeting.wav"
    replacement = media_dir / "fr" / ".greeting.wav.partial"
    replacement.write_bytes(b"RIFF" + bytes(3000))
    answer = await exchange(
        app, b"/media/fr/greeting.wav", on_headers=lambda: os.replace(replacement, path)
    )
    assert answer.status == 200
    assert answer.headers[b"content-length"] == str(len(AUDIO)).encode()
    assert answer.body == AUDIO
    assert path.read_bytes() == b"RIFF" + bytes(3000)  # the render did land meanwhile
