"""The TwiML a carrier plays to callers it keeps waiting or speaks to inside a conference:
behind waitUrl (waiting for the conference to start), AnnounceUrl, HoldUrl.

Such a document may hold only <Say>, <Play>, <Pause> and <Redirect> (Twilio refuses
anything else, <Gather> included, with error 13238): nobody answers keys there. The
emulator follows a few <Redirect>s, then stops, where a carrier would loop the music.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from defusedxml import ElementTree as SafeET

ALLOWED = frozenset({"Say", "Play", "Pause", "Redirect"})
# How many <Redirect>s are followed before the music is taken as looping.
MAX_REDIRECTS = 3
# How a sound's text ends when the carrier plays it over and over (<Play loop="0">).
LOOPED = " (looped)"

Post = Callable[[str, dict[str, str]], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Sound:
    """One thing the callers hear: said, played or a pause."""

    verb: str  # Say, Play or Pause
    text: str  # what is said, the URL played (+ LOOPED), or the pause's length
    language: str = ""
    media: str = ""  # the URL of a <Play>, as the TwiML gave it


@dataclass(frozen=True)
class Heard:
    sounds: tuple[Sound, ...]
    problem: str | None = None  # what went wrong fetching or reading the TwiML


async def sounds_at(post: Post, url: str, params: dict[str, str]) -> Heard:
    """What the TwiML at `url` (POSTed `params`, signed by `post`) has the callers hear."""
    sounds: list[Sound] = []
    fetched: set[str] = set()
    for _ in range(MAX_REDIRECTS + 1):
        fetched.add(url)
        try:
            response = await post(url, params)
        except httpx.HTTPError as error:
            return Heard(tuple(sounds), f"cannot fetch {url}: {type(error).__name__}")
        if response.status_code != 200:
            return Heard(tuple(sounds), f"HTTP {response.status_code} from {url}")
        try:
            root = SafeET.fromstring(response.content)
        except SafeET.ParseError:
            return Heard(tuple(sounds), f"invalid TwiML from {url}")
        redirect = None
        for verb in root:
            if verb.tag not in ALLOWED:
                problem = f"<{verb.tag}> is not allowed in this TwiML (error 13238)"
                return Heard(tuple(sounds), problem)
            if verb.tag == "Redirect":
                redirect = urljoin(url, (verb.text or "").strip())
                break
            sounds.append(_sound(verb))
        if redirect is None or redirect in fetched:
            # Back to a document already heard: the carrier would loop it, the same again.
            return Heard(tuple(sounds))
        url = redirect
    return Heard(tuple(sounds))


def _sound(verb: ET.Element) -> Sound:
    text = (verb.text or "").strip()
    if verb.tag == "Pause":
        return Sound("Pause", f"{verb.get('length', '1')} s")
    looped = LOOPED if verb.get("loop") == "0" else ""
    media = text if verb.tag == "Play" else ""
    return Sound(verb.tag, text + looped, verb.get("language", ""), media)
