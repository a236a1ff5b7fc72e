"""Small things a new user noticed (trial 14): the pages' icon (no /favicon.ico 404 in
every browser console), a contact's language named in the page's language, and the
voicemail count ready to follow a message played without a reload."""

from __future__ import annotations

import html
import json
import re

from voiceapp.switchboard import extensions, voicemail

from .conftest import Browser
from .test_voicemail import message


async def test_the_pages_have_an_icon_and_the_root_answers_for_it(admin: Browser) -> None:
    page = (await admin.get("/admin/conferences")).text
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link is not None
    icon = await admin.get(link.group(1))
    assert (icon.status_code, icon.headers["content-type"]) == (200, "image/svg+xml")
    assert icon.text.startswith("<svg ")
    # Asked for at the root by every browser, whatever the page links to.
    root = await admin.get("/favicon.ico")
    assert root.status_code == 200
    assert root.headers["content-type"] == "image/svg+xml"
    assert root.headers["cache-control"] == "public, max-age=86400"
    assert root.content == icon.content
    assert (await admin.client.head("/favicon.ico")).status_code == 200


async def test_a_contacts_language_is_named_in_the_pages_language(admin: Browser) -> None:
    person = {"name": "Ann Lee", "email": "ann@example.com", "language": "en", "phone": ""}
    added = await admin.submit("/admin/contacts", "/admin/contacts/new", person)
    assert added.status_code == 303
    for language, english, french in (
        ("fr", "Anglais", "Français"),
        ("es", "Inglés", "Francés"),
        ("en", "English", "French"),
    ):
        page = (await admin.get("/admin/contacts", headers={"Accept-Language": language})).text
        assert f"ann@example.com · {english}" in page
        assert f'<option value="fr">{french}</option>' in page


def count_lines(page: str) -> tuple[str, list[str]]:
    found = re.search(r"<p class=\"meta\" id=\"new-count\" data-counts='([^']*)'>([^<]*)</p>", page)
    assert found is not None, "no count of new messages"
    return html.unescape(found.group(2)), json.loads(html.unescape(found.group(1)))


async def test_the_new_message_count_comes_with_each_lower_count(admin: Browser) -> None:
    """static/voicemail.js shows the line for the count left after a play: the server
    writes each, in the page's plural rule (French: 0 and 1 singular)."""
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    for n in (1, 2):
        await voicemail.save_message(message(f"CA{n}", "https://api.twilio.com/x", sid=None))
    shown, lines = count_lines((await admin.get("/admin/voicemail")).text)
    assert (shown, lines) == (
        "2 new messages",
        ["0 new messages", "1 new message", "2 new messages"],
    )
    french = (await admin.get("/admin/voicemail", headers={"Accept-Language": "fr"})).text
    assert count_lines(french)[1] == [
        "0 nouveau message",
        "1 nouveau message",
        "2 nouveaux messages",
    ]
