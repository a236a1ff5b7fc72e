"""The carrier's REST API (Twilio's 2010-04-01 API, or a compatible one), behind one small
interface, through the twilio library's own client.

Everything here is optional: without TWILIO_ACCOUNT_SID voiceapp never calls the carrier,
and what needs it says so. Requests authenticate with the account SID and
TWILIO_AUTH_TOKEN (HTTP basic auth, made by the twilio client); neither is ever logged.
VOICEAPP_CARRIER_API_URL points the client at another TwiML-compatible carrier, or at a
test double.
"""

from __future__ import annotations

import logging

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)

# A request to the carrier that has not answered by then is given up on (seconds): the
# callers of this module run in the background and try again at their next round.
REQUEST_TIMEOUT = 10.0

# The carrier's CallStatus values once a call is over (its status callback, its Calls API).
CALL_OVER = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

# The twilio client logs every request it makes at INFO; its own logger, kept quiet.
_http_log = logging.getLogger("voiceapp.carrier.http")
_http_log.setLevel(logging.WARNING)


class CarrierError(Exception):
    """The carrier could not be asked, or refused: a sentence that says which, and the
    HTTP status of a refusal (None when the carrier could not be reached)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def configured(settings: Settings) -> bool:
    return bool(settings.account_sid and settings.auth_token)


class CarrierApi:
    """One carrier account's REST API. Make it inside the event loop that uses it (its
    HTTP session belongs to that loop) and `close()` it when done."""

    def __init__(self, settings: Settings) -> None:
        self.http = AsyncTwilioHttpClient(timeout=REQUEST_TIMEOUT, logger=_http_log)
        self.client = Client(settings.account_sid, settings.auth_token, http_client=self.http)
        # The API's address is a public attribute of the twilio client's domain object;
        # setting it is how the client is pointed at another carrier.
        self.client.api.base_url = settings.carrier_api_url

    async def close(self) -> None:
        await self.http.close()

    async def call_status(self, call_sid: str) -> str | None:
        """The call's status at the carrier ("in-progress", "completed"...); None when the
        carrier has no such call."""
        try:
            call = await self.client.calls(call_sid).fetch_async()
        except TwilioRestException as refused:
            if refused.status == 404:
                return None
            raise CarrierError(
                f"the carrier refused to describe call {call_sid}: HTTP {refused.status}"
            ) from None
        except (aiohttp.ClientError, TimeoutError) as unreachable:
            raise CarrierError(
                f"the carrier's API at {self.client.api.base_url} could not be reached "
                f"({type(unreachable).__name__})"
            ) from None
        return str(call.status)

    async def delete_recording(self, account_sid: str, recording_sid: str) -> bool:
        """Delete a recording at the carrier (DELETE .../Accounts/{account}/Recordings/{sid}):
        True once deleted, False when the carrier has no such recording (deleted already).
        `account_sid` is the one in the recording's URL, a subaccount's included."""
        recording = self.client.api.v2010.accounts(account_sid).recordings(recording_sid)
        try:
            await recording.delete_async()
        except (TwilioRestException, TwilioServiceException) as refused:
            if refused.status == 404:
                return False
            raise CarrierError(
                f"the carrier refused to delete recording {recording_sid}: HTTP {refused.status}",
                status=refused.status,
            ) from None
        except (aiohttp.ClientError, TimeoutError) as unreachable:
            raise CarrierError(
                f"the carrier's API at {self.client.api.base_url} could not be reached "
                f"({type(unreachable).__name__})"
            ) from None
        return True
