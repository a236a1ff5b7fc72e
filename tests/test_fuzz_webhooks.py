"""Fuzzing every voice webhook with validly signed, arbitrary forms: always 200 and TwiML.

A carrier only sends what it sends, but a proxy, a carrier bug or a replayed request
can put anything in a form; whatever arrives, the caller must hear TwiML, never the
carrier's generic error. Hypothesis runs in a worker thread and hands each request to
the test's event loop, where the app and its database live.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import MultiDict
from twilio.request_validator import RequestValidator

from voiceapp.emulator import Carrier
from voiceapp.webhooks.signature import HEADER
from voiceapp.webhooks.voice import routes

from .conftest import AUTH_TOKEN, ES_NUMBER, FR_NUMBER
from .twiml import parse

VOICE_PATHS = [route.path for route in routes]
KNOWN_FIELDS = [
    "CallSid",
    "From",
    "To",
    "Caller",
    "Called",
    "Digits",
    "FinishedOnKey",
    "CallStatus",
    "CallDuration",
    "StatusCallbackEvent",
    "ConferenceSid",
    "AccountSid",
]
QUERY_FIELDS = ["step", "lang", "tries", "quiet", "room"]

plausible = st.sampled_from(
    [FR_NUMBER, ES_NUMBER, "1234#", "4321#", "5555#", "*", "#", "completed", "participant-join",
     "participant-leave", "conference-end", "in-progress", "ask_pin", "fr", "es", "1", "99999999"]
)  # fmt: skip
text = st.text(max_size=40)  # any unicode, NUL and other control characters included
huge = st.sampled_from(["9", "é", "\x00", "#"]).map(lambda ch: ch * 20_000)
value = st.one_of(plausible, text, huge)
name = st.one_of(st.sampled_from(KNOWN_FIELDS), st.text(min_size=1, max_size=20))
form = st.lists(st.tuples(name, value), max_size=20)  # repeated keys allowed
query = st.lists(st.tuples(st.sampled_from(QUERY_FIELDS), st.one_of(plausible, text)), max_size=6)

validator = RequestValidator(AUTH_TOKEN)


async def post_signed(
    carrier: Carrier, path: str, fields: list[tuple[str, str]], params: list[tuple[str, str]]
) -> tuple[int, str]:
    request = carrier.client.build_request("POST", carrier.base_url + path, params=params)
    url = str(request.url)
    # The carrier signs the URL it calls and every (name, value) pair, repeats included.
    signature = validator.compute_signature(url, MultiDict(fields))
    grouped: dict[str, list[str]] = {}
    for field_name, field_value in fields:
        grouped.setdefault(field_name, []).append(field_value)
    response = await carrier.client.post(url, data=grouped, headers={HEADER: signature})
    return response.status_code, response.text


@pytest.mark.parametrize("path", VOICE_PATHS)
async def test_any_signed_form_gets_200_and_twiml(conference: Carrier, path: str) -> None:
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(fields=form, params=query)
    def one_request(fields: list[tuple[str, str]], params: list[tuple[str, str]]) -> None:
        call = post_signed(conference, path, fields, params)
        status, body = asyncio.run_coroutine_threadsafe(call, loop).result(timeout=30)
        assert status == 200, body
        parse(body)

    await asyncio.to_thread(one_request)
