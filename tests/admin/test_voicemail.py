"""The Voicemail page: messages callers left, newest first."""

from __future__ import annotations

from voiceapp.switchboard import voicemail

from .conftest import Browser


def message(call_sid: str, url: str) -> voicemail.Message:
    return voicemail.Message(
        extension_number="201",
        call_sid=call_sid,
        caller="+33612345678",
        called="+33180000001",
        recording=voicemail.Recording(url=url, sid="RE1", duration_seconds=42),
    )


async def test_messages_are_listed_newest_first_with_their_recording(admin: Browser) -> None:
    assert "No messages." in (await admin.get("/admin/voicemail")).text
    await voicemail.save_message(message("CA1", "https://api.example.test/RE1"))
    await voicemail.save_message(message("CA2", "https://api.example.test/RE2"))
    page = (await admin.get("/admin/voicemail")).text
    assert page.index("/RE2") < page.index("/RE1")
    assert "+33612345678" in page and "0:42" in page
    assert '<a href="https://api.example.test/RE1" rel="noreferrer">Listen</a>' in page


async def test_a_recording_url_that_is_not_a_web_link_is_not_linked(admin: Browser) -> None:
    await voicemail.save_message(message("CA1", "javascript:alert(1)"))
    page = (await admin.get("/admin/voicemail", headers={"Accept-Language": "es"})).text
    assert "javascript:" not in page
    assert "Buzón de voz" in page
