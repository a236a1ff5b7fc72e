"""The Live page's controls in Chromium against the real server, on calls the carrier
emulator holds: each button goes through the carrier's REST API (here the emulator's, as
`voiceapp call --stay` serves and registers it), changes the emulated conference, and the
page shows the result once the carrier's callbacks are in.

The callers are emulated in this process (remote_carrier, calling the server over HTTP):
the test reads the emulator's own conference and calls, which the Test call page's
emulator, inside the server, would hide."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from voiceapp.commands.call import live_controls
from voiceapp.core.models import EmulatedCarrier
from voiceapp.core.settings import load_settings
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.conferences import Conference
from voiceapp.emulator.inprocess import remote_carrier
from voiceapp.emulator.sids import random_account_sid

from ..conftest import AUTH_TOKEN, FR_NUMBER
from .browser_kit import CHROMIUM, DESKTOP, Server, cli, log_in, running_server, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

ANNE, BRUNO, HOST, NEWCOMER = "+33612345601", "+33612345602", "+33612345603", "+33612345604"
PIN, HOST_PIN = "4321", "9876"
# What the French callers hear (the number's language).
LOCKED = "Cette conférence est verrouillée. Personne d'autre ne peut la rejoindre pour le moment."
REMOVED = "Vous avez été retiré de la conférence."
WAIT_S = 15.0
WAIT_MS = 15_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """The real server with room Ventes (1234): a PIN, and a host PIN."""
    office = (
        cli("bridge", "setup", "--extension", "800", "--language", "fr"),
        cli("numbers", "add", FR_NUMBER, "--extension", "800", "--language", "fr"),
        cli(
            *("rooms", "add", "--name", "Ventes", "--conference-id", "1234"),
            *("--pin", PIN, "--host-pin", HOST_PIN),
        ),
    )
    with running_server(tmp_path, commands=office) as running:
        yield running


@asynccontextmanager
async def controlled_carrier(server: Server) -> AsyncIterator[Carrier]:
    """An emulated carrier calling the server, its REST API served and registered in the
    server's database as `voiceapp call --url ... --stay` does: the Live page's controls
    reach its calls."""
    settings = load_settings(server.env)
    remote = remote_carrier(server.url, AUTH_TOKEN, account_sid=random_account_sid())
    async with remote as carrier, live_controls(carrier, settings, open_database=True):
        registered = await EmulatedCarrier.get_or_none(account_sid=carrier.account_sid)
        assert registered is not None and registered.api_url == carrier.api_url
        yield carrier


class Callers:
    """The calls in the room, each staying until it is taken out (or the test ends)."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        self.staying: dict[str, asyncio.Task[None]] = {}

    async def join(self, caller: str, pin: str = PIN) -> EmulatedCall:
        call = await self.carrier.call(
            FR_NUMBER, caller=caller, digits=["1234#", f"{pin}#"], stay=True
        )
        assert call.conference is not None, call.transcript
        self.staying[call.call_sid] = asyncio.create_task(call.stay())
        return call

    async def gone(self, call: EmulatedCall) -> None:
        """Until the call, taken out of the room, has heard the rest and hung up."""
        await asyncio.wait_for(asyncio.shield(self.staying[call.call_sid]), WAIT_S)
        assert call.status == "completed", call.transcript

    async def hang_up_all(self) -> None:
        for task in self.staying.values():
            task.cancel()  # stay() hangs up as it is cancelled
        await asyncio.gather(*self.staying.values(), return_exceptions=True)


def conference_of(carrier: Carrier) -> Conference:
    [conference] = carrier.conferences.values()
    return conference


def row(room: Locator, call: EmulatedCall) -> Locator:
    return room.locator(f'tr[data-call-sid="{call.call_sid}"]')


async def click_and_see(page: Page, button: Locator, notice: str) -> None:
    """Press a control; the Live page comes back saying what was done."""
    await button.click()
    await expect(page.locator("p.notice")).to_have_text(notice, timeout=WAIT_MS)


async def test_each_live_control_changes_the_emulated_conference_and_shows_on_the_page(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    async with controlled_carrier(server) as carrier:
        callers = Callers(carrier)
        try:
            await _drive_the_controls(server, chromium, screenshots, carrier, callers)
        finally:
            await callers.hang_up_all()


async def _drive_the_controls(
    server: Server, chromium: Browser, screenshots: Path, carrier: Carrier, callers: Callers
) -> None:
    anne, bruno = await callers.join(ANNE), await callers.join(BRUNO)
    conference = conference_of(carrier)
    context = await chromium.new_context(viewport=DESKTOP, locale="en-GB")  # type: ignore[arg-type]
    page = await context.new_page()
    await log_in(page, server)
    await page.goto(server.url + "/admin/live")
    ventes = page.locator('section[data-conference-id="1234"]')
    await expect(row(ventes, anne)).to_contain_text(ANNE)
    await expect(row(ventes, bruno)).to_contain_text(BRUNO)

    # Mute a caller: muted at the carrier, and on the page once its callback is in.
    mute_anne = page.get_by_role("button", name=f"Mute {ANNE}", exact=True)
    await click_and_see(page, mute_anne, f"{ANNE} is muted.")
    assert anne.participant is not None and anne.participant.muted
    await conference.settled()  # the participant-mute callback has been answered
    assert "muted" in anne.kinds()
    await page.reload()
    await expect(row(ventes, anne).locator(".badge.muted")).to_have_text("Muted")
    await expect(row(ventes, bruno).locator(".badge.muted")).to_have_count(0)

    unmute_anne = page.get_by_role("button", name=f"Unmute {ANNE}", exact=True)
    await click_and_see(page, unmute_anne, f"{ANNE} can speak again.")
    assert not anne.participant.muted
    await conference.settled()
    assert "unmuted" in anne.kinds()
    await page.reload()
    await expect(row(ventes, anne).locator(".badge.muted")).to_have_count(0)

    # Lock: a newcomer is turned away with the locked message; a host still comes in.
    locked = "Ventes is locked: only its hosts can join until the conference ends."
    await click_and_see(page, ventes.get_by_role("button", name="Lock the room"), locked)
    await expect(ventes.locator(".badge.locked")).to_have_text("Locked")
    newcomer = await carrier.call(
        FR_NUMBER, caller=NEWCOMER, digits=["1234#", f"{PIN}#"], stay=True
    )
    assert newcomer.status == "completed" and LOCKED in newcomer.said, newcomer.transcript
    assert "conference" not in newcomer.kinds()
    host = await callers.join(HOST, HOST_PIN)
    assert conference.participants == [anne.call_sid, bruno.call_sid, host.call_sid]
    await page.reload()
    await expect(row(ventes, host).locator(".badge.host")).to_have_text("Host")
    await expect(ventes).not_to_contain_text(NEWCOMER)

    unlocked = "Ventes is unlocked: callers can join again."
    await click_and_see(page, ventes.get_by_role("button", name="Unlock the room"), unlocked)
    await expect(ventes.locator(".badge.locked")).to_have_count(0)

    # Mute everyone: the callers, not the host.
    everyone = ventes.get_by_role("button", name="Mute everyone but the hosts")
    await click_and_see(page, everyone, "2 callers muted in Ventes.")
    assert [p.muted for p in conference.present] == [True, True, False]
    await conference.settled()
    await page.reload()
    for call, badges in ((anne, 1), (bruno, 1), (host, 0)):
        await expect(row(ventes, call).locator(".badge.muted")).to_have_count(badges)
    await shot(page, screenshots, "live-controls-muted")

    # Remove a caller: they hear why, and hang up; their row goes.
    remove = page.get_by_role("button", name=f"Remove {BRUNO} from the conference", exact=True)
    await click_and_see(page, remove, f"{BRUNO} is removed from the conference.")
    await callers.gone(bruno)
    assert "removed" in bruno.kinds() and REMOVED in bruno.said, bruno.transcript
    assert conference.participants == [anne.call_sid, host.call_sid]
    await page.reload()
    await expect(row(ventes, bruno)).to_have_count(0)
    await expect(row(ventes, anne)).to_have_count(1)

    # End the conference (locked again: its end unlocks the room): every call ends.
    await click_and_see(page, ventes.get_by_role("button", name="Lock the room"), locked)
    await ventes.get_by_role("link", name="End the conference").click()
    await page.get_by_role("button", name="Yes, end the conference").click()
    ended = "The conference in Ventes has ended: 2 callers disconnected."
    await expect(page.locator("p.notice")).to_have_text(ended, timeout=WAIT_MS)
    for call in (anne, host):
        await callers.gone(call)
        assert "ended" in call.kinds(), call.transcript
    assert conference.ended and conference.reason_ended == "conference-ended-via-api"
    assert carrier.conferences == {}
    await page.reload()
    await expect(ventes).to_contain_text("Nobody is in this room.")
    await expect(ventes.locator(".badge.locked")).to_have_count(0)
    await expect(ventes.get_by_role("button")).to_have_count(0)  # no controls left
    await shot(page, screenshots, "live-controls-ended")
    await context.close()
