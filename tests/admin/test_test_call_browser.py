"""The Test call page in headless Chromium against the real server: the keypad places a
call through the server's own emulator, each prompt is heard (our audio files played in
order, or the text spoken in its language), the transcript follows, and the Live page
shows the caller until the Hang up button frees the seat."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ..conftest import FR_NUMBER
from ..test_routing import ALICE_NUMBER as ALICE
from .browser_kit import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    Server,
    cli,
    log_in,
    run_commands,
    running_server,
    shot,
)
from .conftest import USERNAME

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
CALLER = f"client:{USERNAME}"
# Long enough for the prompts to play before the keys come, on a slow machine.
GATHER_TIMEOUT = "30"
WAIT_MS = 30_000
# Headless Chromium has no voices: record what the page asks it to say, and end each
# utterance as a real voice would.
SPEECH_SPY = """
window.__spoken = [];
window.speechSynthesis.speak = function (utterance) {
  window.__spoken.push({ text: utterance.text, lang: utterance.lang });
  window.setTimeout(function () { utterance.dispatchEvent(new Event("end")); }, 20);
};
"""
# The prompts' players (not the looping hold music): whether each has been heard through.
PROMPTS_PLAYED = """
() => Array.from(document.querySelectorAll("#test-call-audio audio"))
  .filter((audio) => !audio.loop)
  .map((audio) => ({ src: audio.getAttribute("src"), played: audio.played.length,
                     ended: audio.ended, time: audio.currentTime }))
"""


OFFICE = (
    cli("bridge", "setup", "--extension", "800", "--language", "fr"),
    cli("numbers", "add", FR_NUMBER, "--extension", "800", "--language", "fr"),
    cli("rooms", "add", "--name", "Ventes", "--conference-id", "1234", "--pin", "4321"),
)


def server_with(folder: Path, **env: str) -> Iterator[Server]:
    """running_server with the OFFICE, and these settings added to its environment."""
    with running_server(folder, settings=env, commands=OFFICE) as server:
        yield server


@pytest.fixture
def playing_server(tmp_path: Path, rendered_media: Path) -> Iterator[Server]:
    """The real server with every prompt rendered, in play mode."""
    shutil.copytree(rendered_media, tmp_path / "media")
    yield from server_with(
        tmp_path,
        VOICEAPP_MEDIA_MODE="play",
        VOICEAPP_GATHER_TIMEOUT=GATHER_TIMEOUT,
    )


@pytest.fixture
def saying_server(tmp_path: Path) -> Iterator[Server]:
    """The real server with no audio files: every prompt is said (media mode say)."""
    yield from server_with(
        tmp_path, VOICEAPP_MEDIA_MODE="say", VOICEAPP_GATHER_TIMEOUT=GATHER_TIMEOUT
    )


async def click_keys(page: Page, keys: str) -> None:
    keypad = page.get_by_role("group", name="Keypad")
    for key in keys:
        await keypad.get_by_role("button", name=key, exact=True).click()


async def prompts_heard(page: Page, prompts: int) -> None:
    """Until the first `prompts` prompts have played to their end. Counted, not "all the
    players there": the page makes a prompt's player only as its turn comes, so between
    two prompts every player there has ended, and a key pressed then would cut the next
    one off (as a caller's key cuts a prompt off)."""
    try:
        await page.wait_for_function(
            f"() => {{ const all = ({PROMPTS_PLAYED})(); "
            f"return all.length >= {prompts} && all.every((audio) => audio.ended); }}",
            timeout=WAIT_MS,
        )
    except PlaywrightTimeout:
        players = await page.evaluate(f"({PROMPTS_PLAYED})()")
        raise AssertionError(f"the prompts did not all play to their end: {players}") from None


async def test_keypad_call_plays_the_prompts_joins_and_shows_on_live(
    playing_server: Server, chromium: Browser, screenshots: Path
) -> None:
    server = playing_server
    context = await chromium.new_context(viewport=DESKTOP, locale="en-GB")
    page = await context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    await log_in(page, server)
    await page.get_by_role("link", name="Test call").click()
    await expect(page.get_by_role("heading", name="Test call", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="1", exact=True)).to_be_disabled()

    await page.get_by_label("Number to call").select_option(FR_NUMBER)
    await page.get_by_role("button", name="Call", exact=True).click()
    status = page.locator("#test-call-status")
    transcript = page.locator("#test-call-transcript")
    await expect(status).to_have_text("Waiting for your keys", timeout=WAIT_MS)
    # A file's line has its words, marked in their language for screen readers.
    welcome = transcript.get_by_text("Bienvenue sur le service de conférence.")
    await expect(welcome).to_have_attribute("lang", "fr", timeout=WAIT_MS)
    await prompts_heard(page, 3)  # the greeting, the offer in Spanish, the question
    await click_keys(page, "1234#")
    await expect(transcript).to_contain_text("You pressed 1234#", timeout=WAIT_MS)
    await expect(status).to_have_text("Waiting for your keys", timeout=WAIT_MS)
    await prompts_heard(page, 4)  # the PIN's question
    await click_keys(page, "4321#")
    await expect(transcript).to_contain_text("In conference Ventes with 1 caller", timeout=WAIT_MS)
    await expect(status).to_have_text("In conference Ventes with 1 caller")
    # A prompt of several files (words, then the ID's digits) is one line.
    joining = transcript.locator("li", has_text="Vous allez rejoindre")
    await expect(joining).to_have_text("Vous allez rejoindre la conférence 1 2 3 4")
    await shot(page, screenshots, "test-call-desktop")

    # Every prompt was one of our files, fetched by the browser and played in order.
    players = await page.evaluate(f"({PROMPTS_PLAYED})()")
    sources = [player["src"] for player in players]
    assert len(sources) >= 5, players  # greeting, offer, ID, PIN, joining...
    assert all(source.startswith("/media/") for source in sources)
    media_fetched = {url.removeprefix(server.url) for url in fetched if "/media/" in url}
    assert set(sources) <= media_fetched
    assert all(player["played"] > 0 and player["time"] > 0 for player in players), players
    await page.wait_for_function(
        "() => document.querySelector('#test-call-audio audio[loop]') !== null", timeout=WAIT_MS
    )  # the hold music, while alone in the room

    # The Live page, in a second tab, shows the caller while the call lasts.
    live = await context.new_page()
    await live.goto(server.url + "/admin/live")
    ventes = live.locator('section[data-conference-id="1234"]')
    await expect(ventes).to_contain_text(CALLER)

    await page.get_by_role("button", name="Hang up").click()
    await expect(transcript).to_contain_text("Call ended", timeout=WAIT_MS)
    await expect(status).to_have_text("Call ended.", timeout=WAIT_MS)
    await expect(page.get_by_role("button", name="Call", exact=True)).to_be_enabled()
    assert await page.evaluate(
        "() => document.querySelector('#test-call-audio audio[loop]').paused"
    )
    await live.reload()
    await expect(ventes).not_to_contain_text(CALLER)
    await context.close()


async def test_said_prompts_are_spoken_in_their_language_and_keys_typed_count(
    saying_server: Server, chromium: Browser, screenshots: Path
) -> None:
    server = saying_server
    context = await chromium.new_context(viewport=PHONE, locale="en-GB")
    await context.add_init_script(SPEECH_SPY)
    page = await context.new_page()
    await log_in(page, server)
    await page.goto(server.url + "/admin/test-call")
    await page.get_by_role("button", name="Call", exact=True).click()
    transcript = page.locator("#test-call-transcript")
    await expect(transcript).to_contain_text(
        "Bienvenue sur le service de conférence.", timeout=WAIT_MS
    )
    await expect(page.locator("#test-call-status")).to_have_text("Waiting for your keys")
    await page.wait_for_function("() => window.__spoken.length >= 3", timeout=WAIT_MS)
    spoken = await page.evaluate("() => window.__spoken")
    assert spoken[:3] == [
        {"text": "Bienvenue sur le service de conférence.", "lang": "fr-FR"},
        {"text": "Para continuar en español, marque la tecla asterisco.", "lang": "es-ES"},
        {
            "text": "Veuillez saisir le numéro de conférence, suivi de la touche dièse.",
            "lang": "fr-FR",
        },
    ]

    # The computer's keyboard is a keypad too.
    for key in "1234#":
        await page.keyboard.press(key)
    await expect(transcript).to_contain_text("You pressed 1234#", timeout=WAIT_MS)
    await expect(page.locator("#test-call-keys")).to_have_text("")
    await click_keys(page, "4321#")
    await expect(transcript).to_contain_text("In conference Ventes with 1 caller", timeout=WAIT_MS)
    # Said after the one before it ended, in French.
    await page.wait_for_function(
        "() => window.__spoken.some((said) => said.lang === 'fr-FR'"
        " && said.text === 'Vous êtes le premier participant.')",
        timeout=WAIT_MS,
    )
    await shot(page, screenshots, "test-call-phone")
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow

    # Closing the tab hangs up: the seat is free.
    await page.close()
    live = await context.new_page()
    await live.goto(server.url + "/admin/live")
    ventes = live.locator('section[data-conference-id="1234"]')
    await expect(ventes).to_contain_text("Nobody is in this room", timeout=WAIT_MS)
    await context.close()


def in_view(box: dict[str, float] | None, viewport: dict[str, int]) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


async def test_on_a_phone_the_latest_lines_show_above_the_keypad(
    saying_server: Server, chromium: Browser, screenshots: Path
) -> None:
    server = saying_server
    context = await chromium.new_context(viewport=PHONE, locale="en-GB")
    await context.add_init_script(SPEECH_SPY)
    page = await context.new_page()
    await log_in(page, server)
    await page.goto(server.url + "/admin/test-call")
    await page.get_by_role("button", name="Call", exact=True).click()
    await expect(page.locator("#test-call-status")).to_have_text(
        "Waiting for your keys", timeout=WAIT_MS
    )
    await click_keys(page, "1234#")
    await expect(page.locator("#test-call-transcript")).to_contain_text(
        "You pressed 1234#", timeout=WAIT_MS
    )
    # While dialling the PIN: the latest line, the whole keypad and Hang up are all on
    # screen, the line above the keypad.
    last = await page.locator("#test-call-transcript li").last.bounding_box()
    keypad = await page.get_by_role("group", name="Keypad").bounding_box()
    hang_up = await page.get_by_role("button", name="Hang up").bounding_box()
    await shot(page, screenshots, "test-call-phone-dialling")
    for box in (last, keypad, hang_up):
        assert in_view(box, PHONE), (last, keypad, hang_up)
    assert last is not None and keypad is not None
    assert last["y"] + last["height"] <= keypad["y"]
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow
    await page.get_by_role("button", name="Hang up").click()
    await expect(page.locator("#test-call-status")).to_have_text("Call ended.", timeout=WAIT_MS)
    await context.close()


async def test_a_user_who_does_not_answer_takes_a_message_heard_on_the_voicemail_page(
    saying_server: Server, chromium: Browser, screenshots: Path
) -> None:
    server = saying_server
    alice = ("--extension", "201", "--kind", "user", "--name", "Alice")
    run_commands(
        server.env,
        [
            cli("extensions", "add", *alice, "--forward-to", "+33612345601"),
            cli("numbers", "add", ALICE, "--extension", "201", "--language", "fr"),
        ],
    )
    context = await chromium.new_context(viewport=DESKTOP, locale="en-GB")
    await context.add_init_script(SPEECH_SPY)
    page = await context.new_page()
    await log_in(page, server)
    await page.goto(server.url + "/admin/test-call")
    answer = page.get_by_label("When the call is put through to a person")
    await expect(answer).to_have_value("no-answer")  # the voicemail path, by default
    await page.get_by_label("Number to call").select_option(ALICE)
    await page.get_by_role("button", name="Call", exact=True).click()
    transcript = page.locator("#test-call-transcript")
    await expect(transcript).to_contain_text("Voicemail: beep", timeout=WAIT_MS)
    await expect(answer).to_be_disabled()
    await expect(page.locator("#test-call-status")).to_have_text("Call ended.", timeout=WAIT_MS)
    await expect(transcript).to_contain_text("Votre message a bien été enregistré.")
    await shot(page, screenshots, "test-call-voicemail")

    await page.goto(server.url + "/admin/voicemail")
    await expect(page.locator("main")).to_contain_text(CALLER)
    player = page.locator("audio").first
    source = await player.get_attribute("src")
    assert source is not None
    audio = await context.request.get(source)
    assert audio.status == 200
    assert audio.headers["content-type"] == "audio/wav"
    assert len(await audio.body()) > 44  # a WAV with sound in it, from the server's folder
    await context.close()
