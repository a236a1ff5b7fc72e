"""The PIN and login limits hold across 4 real worker processes on PostgreSQL, with the
guesses fired all at once: no more wrong PINs are compared, and no more passwords
checked, than the limit, whichever worker each guess reaches."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import httpx
import pytest

from voiceapp import ivr_prompts
from voiceapp.accounts import admins
from voiceapp.core.db import database
from voiceapp.core.models import Language
from voiceapp.emulator.inprocess import remote_carrier
from voiceapp.emulator.server import free_port, live_server, serve_command

from .conftest import AUTH_TOKEN, FR_NUMBER, make_settings, provision_conference

WORKERS = 4
SECRET_KEY = "test-secret-key-0123456789abcdef-0123456789"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.heavy]


def server_env(database_url: str, port: int) -> dict[str, str]:
    return {
        "VOICEAPP_DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "VOICEAPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "VOICEAPP_MEDIA_MODE": "say",
        "VOICEAPP_LOG_LEVEL": "WARNING",
        "VOICEAPP_SECRET_KEY": SECRET_KEY,
    }


def heard(key: str) -> str:
    return ivr_prompts.text(key, Language.FR)


async def test_150_wrong_pins_at_once_over_4_workers_compare_at_most_the_room_limit(
    migrated_postgres_url: str,
) -> None:
    settings = make_settings(migrated_postgres_url)
    async with database(migrated_postgres_url):
        await provision_conference(settings)
    port = free_port()
    async with (
        live_server(
            serve_command(port, WORKERS), server_env(migrated_postgres_url, port), port
        ) as server,
        remote_carrier(server.base_url, AUTH_TOKEN) as carrier,
    ):
        assert len(server.child_pids()) >= WORKERS, server.log()
        calls = await asyncio.gather(
            *(
                carrier.call(FR_NUMBER, caller=f"+336990{i:05d}", digits=["1234#", "9876#"])
                for i in range(150)
            )
        )
    errors = [str(event) for call in calls for event in call.events if event.kind == "error"]
    assert errors == []
    compared = sum(heard("wrong_pin") in call.said for call in calls)
    refused = sum(heard("locked_out") in call.said for call in calls)
    limit = settings.pin_max_failures_per_room
    assert compared <= limit, f"{compared} of 150 PINs compared over {WORKERS} workers"
    assert compared + refused == 150
    assert "Traceback" not in server.log()


async def test_40_wrong_passwords_at_once_over_4_workers_check_at_most_the_user_limit(
    migrated_postgres_url: str,
) -> None:
    settings = make_settings(migrated_postgres_url)
    async with database(migrated_postgres_url):
        await admins.create_admin("alice", PASSWORD)
    port = free_port()
    async with (
        live_server(
            serve_command(port, WORKERS), server_env(migrated_postgres_url, port), port
        ) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60.0) as browser,
    ):
        assert len(server.child_pids()) >= WORKERS, server.log()
        found = TOKEN.search((await browser.get("/admin/login")).text)
        assert found is not None
        token = found.group(1)
        responses = await asyncio.gather(
            *(
                browser.post(
                    "/admin/login",
                    data={"csrf_token": token, "username": "alice", "password": f"guess {i}"},
                )
                for i in range(40)
            )
        )
    codes = Counter(response.status_code for response in responses)
    limit = settings.login_max_failures_per_user
    # 400 is "wrong username or password": said only once the password was checked.
    assert codes[400] <= limit, f"{codes[400]} of 40 passwords checked over {WORKERS} workers"
    assert codes[400] + codes[429] == 40, codes
    assert "Traceback" not in server.log()
