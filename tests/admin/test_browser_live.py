"""In Chromium against the real server: times follow the zone the browser runs in, and the
Live page never passes off an old roster as the current one (server unreachable, session
ended)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Route, expect

from voiceapp.emulator.inprocess import remote_carrier

from ..conftest import AUTH_TOKEN, ES_NUMBER
from .browser_kit import CHROMIUM, DESKTOP, Server, cli, run_commands, shot
from .conftest import PASSWORD, USERNAME

CALLER = "+34612345678"
FRAGMENT = "**/admin/live/rooms"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


async def unplugged(route: Route) -> None:
    await route.abort("connectionrefused")


async def test_a_mexican_admin_reads_local_times_and_live_says_when_the_session_ended(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    run_commands(
        server.env,
        [
            cli("bridge", "setup", "--extension", "800", "--language", "es"),
            cli("rooms", "add", "--name", "Ventas", "--conference-id", "1234"),
            cli("numbers", "add", ES_NUMBER, "--extension", "800", "--language", "es"),
        ],
    )
    async with remote_carrier(server.url, AUTH_TOKEN) as carrier:
        await carrier.call(ES_NUMBER, caller=CALLER, digits=["1234#"])  # joins, hangs up

    context = await chromium.new_context(
        timezone_id="America/Mexico_City", locale="es-MX", viewport=DESKTOP
    )
    page = await context.new_page()

    # Log in; the first page tells the server the browser's zone.
    await page.goto(server.url + "/admin/login")
    await page.get_by_label("Usuario").fill(USERNAME)
    await page.get_by_label("Contraseña").fill(PASSWORD)
    async with page.expect_response(lambda r: r.url.endswith("/admin/account/time-zone")) as sent:
        await page.get_by_role("button", name="Iniciar sesión").click()
    assert (await sent.value).status == 204

    await page.get_by_role("link", name="Cuenta", exact=True).click()
    await expect(page.locator("#current-time-zone")).to_contain_text("America/Mexico_City")
    await expect(page.get_by_role("combobox", name="Zona horaria")).to_have_value(
        "America/Mexico_City"
    )
    await shot(page, screenshots, "account-es")

    # The call's start, in Mexico City time (UTC-6 all year since 2022).
    await page.get_by_role("link", name="Historial de llamadas").click()
    started = page.locator("#calls tbody tr").first.locator("time")
    instant = datetime.fromisoformat(str(await started.get_attribute("datetime")))
    local = instant - timedelta(hours=6)
    await expect(started).to_have_text(re.compile(rf" {local.hour}:{local:%M:%S} -0600$"))

    # Live: while the server cannot be reached, the page says so.
    await page.get_by_role("link", name="En directo").click()
    rooms = page.locator("#live-rooms")
    await expect(rooms).to_contain_text("No hay nadie en esta sala.")
    offline = page.locator("#live-offline")
    await expect(offline).to_be_hidden()
    await page.route(FRAGMENT, unplugged)
    await expect(offline).to_be_visible(timeout=15_000)
    await expect(offline).to_contain_text("No se puede contactar con el servidor")
    await expect(rooms).to_have_class(re.compile(r"\bstale\b"))
    await page.unroute(FRAGMENT, unplugged)
    await expect(offline).to_be_hidden(timeout=15_000)
    await expect(rooms).not_to_have_class(re.compile(r"\bstale\b"))

    # Logged out from another tab: within one refresh, the roster gives way to a message.
    other = await context.new_page()
    await other.goto(server.url + "/admin/conferences")
    await other.get_by_role("button", name=f"Cerrar la sesión de {USERNAME}").click()
    await expect(rooms).to_contain_text("Su sesión ha terminado.", timeout=15_000)
    await expect(rooms).not_to_contain_text("No hay nadie en esta sala.")
    again = rooms.get_by_role("link", name="Volver a iniciar sesión")
    await expect(again).to_have_attribute("href", server.url + "/admin/login?next=%2Fadmin%2Flive")
    await shot(page, screenshots, "live-session-ended-es")

    # The link leads back to Live after logging in.
    await again.click()
    await page.get_by_label("Usuario").fill(USERNAME)
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Iniciar sesión").click()
    await expect(page).to_have_url(server.url + "/admin/live")
    await expect(rooms).to_contain_text("No hay nadie en esta sala.")
    await context.close()
