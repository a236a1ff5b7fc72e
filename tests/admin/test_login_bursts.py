"""Wrong passwords fired all at once at the login form, through the app and the real
database: however many arrive together, no more passwords are checked (argon2) than the
limit allows, and the others are answered 429 with the login page, translated."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher

from voiceapp.core.settings import Settings

from .conftest import PASSWORD, USERNAME, Browser, banner

BURST = 60


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every argon2 verification made in this process: one per password checked."""
    checked: list[str] = []
    verify = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        checked.append(str(password))
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    yield checked


async def burst(browser: Browser, logins: list[tuple[str, str]]) -> list[httpx.Response]:
    token = await browser.token("/admin/login")
    return await asyncio.gather(
        *(
            browser.client.post(
                "/admin/login",
                data={"csrf_token": token, "username": username, "password": password},
                headers={"Accept-Language": "fr"},
            )
            for username, password in logins
        )
    )


def assert_answered(responses: list[httpx.Response], checked: int) -> None:
    """Each checked guess was told it was wrong (400); each other one was refused (429),
    with the login page in the browser's language."""
    codes = Counter(response.status_code for response in responses)
    assert (codes[400], codes[429]) == (checked, len(responses) - checked), codes
    for response in responses:
        if response.status_code == 429:
            assert banner(response.text).startswith("Trop de tentatives")
            assert 'name="password"' in response.text


async def test_60_wrong_passwords_at_once_check_at_most_the_user_limit(
    visitor: Browser, site_settings: Settings, verified: list[str]
) -> None:
    responses = await burst(visitor, [(USERNAME, f"guess number {i}") for i in range(BURST)])
    limit = site_settings.login_max_failures_per_user
    assert len(verified) <= limit, f"{len(verified)} of {BURST} passwords checked, limit {limit}"
    assert_answered(responses, len(verified))
    assert PASSWORD not in verified
    # Only the checked guesses count: the right password gets in unless they reached the limit.
    expected = 429 if len(verified) >= limit else 303
    assert (await visitor.log_in()).status_code == expected


async def test_60_usernames_at_once_from_one_address_check_at_most_its_limit(
    visitor: Browser, site_settings: Settings, verified: list[str]
) -> None:
    responses = await burst(visitor, [(f"guesser{i}", "a wrong password") for i in range(BURST)])
    limit = site_settings.login_max_failures_per_address
    assert len(verified) <= limit, f"{len(verified)} of {BURST} passwords checked, limit {limit}"
    assert_answered(responses, len(verified))
