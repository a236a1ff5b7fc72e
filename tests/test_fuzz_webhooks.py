"""Fuzzing every voice webhook with validly signed, arbitrary forms: always 200 and TwiML.

A carrier only sends what it sends, but a proxy, a carrier bug or a replayed request
can put anything in a form; whatever arrives, the caller must hear TwiML, never the
carrier's generic error. Hypothesis runs in a worker thread and hands each request to
the test's event loop, where the app and its database live.

"200 and TwiML" alone proves little: the endpoint answers any crash with the apology,
which is both. So no request may log an error (odd input is handled, not crashed on),
and a legitimate request on the same path must get a real answer, not the apology.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st
from starlette.datastructures import MultiDict
from twilio.request_validator import RequestValidator

from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.web.body_limits import WEBHOOK_MAX_BYTES
from voiceapp.webhooks.signature import HEADER
from voiceapp.webhooks.voice import routes

from .apology import errors_logged, is_apology
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

CALL = [("CallSid", "CA" + "7" * 32), ("From", "+33612345678"), ("To", FR_NUMBER)]
# A request the carrier really sends on each path, as (query, form), and something its
# answer must contain. The fallback is left out: the apology is its real answer.
LEGITIMATE: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]], str]] = {
    "/voice/incoming": ([], CALL, "Gather"),
    "/voice/gather": (
        [("step", "ask_id"), ("lang", "fr"), ("tries", "0"), ("quiet", "0")],
        [*CALL, ("Digits", "5555#")],
        "Dial/Conference",
    ),
    "/voice/silence": (
        [("step", "ask_pin"), ("lang", "es"), ("tries", "0"), ("quiet", "0"), ("room", "1")],
        CALL,
        "Gather",
    ),
    "/voice/conference-status": (
        [],
        [*CALL, ("StatusCallbackEvent", "participant-leave"), ("ConferenceSid", "CF1")],
        "",
    ),
    "/voice/status": ([], [*CALL, ("CallStatus", "completed"), ("CallDuration", "42")], ""),
    "/voice/hold": ([("lang", "fr")], [*CALL], "Redirect"),
}

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
) -> tuple[int, str, int]:
    """POST the form, signed; the answer's status and text, and the body's size."""
    request = carrier.client.build_request("POST", carrier.base_url + path, params=params)
    url = str(request.url)
    # The carrier signs the URL it calls and every (name, value) pair, repeats included.
    signature = validator.compute_signature(url, MultiDict(fields))
    grouped: dict[str, list[str]] = {}
    for field_name, field_value in fields:
        grouped.setdefault(field_name, []).append(field_value)
    request = carrier.client.build_request("POST", url, data=grouped, headers={HEADER: signature})
    response = await carrier.client.send(request)
    return response.status_code, response.text, len(request.content)


@pytest.mark.parametrize("path", VOICE_PATHS)
async def test_any_signed_form_gets_200_and_twiml(
    conference: Carrier, settings: Settings, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    loop = asyncio.get_running_loop()

    @settings_for_hypothesis(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(fields=form, params=query)
    def one_request(fields: list[tuple[str, str]], params: list[tuple[str, str]]) -> None:
        caplog.clear()
        call = post_signed(conference, path, fields, params)
        status, body, size = asyncio.run_coroutine_threadsafe(call, loop).result(timeout=30)
        if size > WEBHOOK_MAX_BYTES:  # far more than any carrier sends: refused unread
            assert status == 413, body
            return
        assert status == 200, body
        parse(body)
        assert errors_logged(caplog) == [], (fields, params)

    await asyncio.to_thread(one_request)

    # Random forms rarely get far into a flow; a request the carrier really sends does,
    # so a handler that crashes on every real call fails here even if no example hit it.
    if path in LEGITIMATE:
        params, fields, expected = LEGITIMATE[path]
        caplog.clear()
        status, body, _ = await post_signed(conference, path, fields, params)
        assert status == 200, body
        assert not is_apology(body, settings), body
        assert errors_logged(caplog) == []
        if expected:
            assert parse(body).find(expected) is not None, body
