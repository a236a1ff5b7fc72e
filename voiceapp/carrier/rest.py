"""The carrier's REST API (Twilio's 2010-04-01 API, or a compatible one), behind one small
interface, through the twilio library's own client.

Everything here is optional: without TWILIO_ACCOUNT_SID voiceapp never calls the carrier,
and what needs it says so. Requests authenticate with the account SID and
TWILIO_AUTH_TOKEN (HTTP basic auth, made by the twilio client); neither is ever logged.
VOICEAPP_CARRIER_API_URL points the client at another TwiML-compatible carrier, or at a
test double; a built-in emulator's account (carrier.accounts) points it at the emulator.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from voiceapp.carrier.accounts import CarrierAccount
from voiceapp.carrier.errors import (
    CREDENTIALS_REFUSED,
    REFUSED,
    TIMED_OUT,
    UNREACHABLE,
    UNREADABLE,
    CarrierError,
    no_account,
)
from voiceapp.core.i18n import N_, Params
from voiceapp.core.settings import Settings

__all__ = ["CALL_OVER", "REQUEST_TIMEOUT", "CarrierApi", "CarrierError", "configured"]

log = logging.getLogger(__name__)

# A request to the carrier that has not answered by then is given up on (seconds): the
# callers of this module run in the background and try again at their next round, or
# show the admin who clicked that the carrier did not answer.
REQUEST_TIMEOUT = 10.0

# The carrier's CallStatus values once a call is over (its status callback, its Calls API).
CALL_OVER = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

# The twilio client logs every request it makes at INFO; its own logger, kept quiet.
_http_log = logging.getLogger("voiceapp.carrier.http")
_http_log.setLevel(logging.WARNING)


def configured(settings: Settings) -> bool:
    return bool(settings.account_sid and settings.auth_token)


class CarrierApi:
    """One carrier account's REST API: the configured one, or `account`. Make it inside
    the event loop that uses it (its HTTP session belongs to that loop) and `close()` it
    when done, or use it as `async with CarrierApi(...) as api:`.

    Every request is given up after `request_timeout` seconds. Failures are CarrierError;
    a 404 is a CarrierError with status 404 unless the operation says what it means."""

    def __init__(
        self,
        settings: Settings,
        account: CarrierAccount | None = None,
        *,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        if account is None:
            if not configured(settings):
                raise no_account()
            account = CarrierAccount(
                settings.account_sid, settings.auth_token, settings.carrier_api_url
            )
        self.account = account
        self.timeout = request_timeout
        self.http = AsyncTwilioHttpClient(timeout=request_timeout, logger=_http_log)
        self.client = Client(account.sid, account.token, http_client=self.http)
        # The API's address is a public attribute of the twilio client's domain object;
        # setting it is how the client is pointed at another carrier.
        self.client.api.base_url = account.api_url
        # The API's address is the account's alone: the library would otherwise rewrite
        # its host from TWILIO_EDGE / TWILIO_REGION in the environment.
        self.client.edge = None
        self.client.region = None

    @property
    def base_url(self) -> str:
        return self.account.api_url

    async def close(self) -> None:
        await self.http.close()

    async def __aenter__(self) -> CarrierApi:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def asking(
        self,
        *,
        refused: str = REFUSED,
        credentials: str = CREDENTIALS_REFUSED,
        gone: str = REFUSED,
        params: Params | None = None,
    ) -> AsyncIterator[None]:
        """Make the requests inside within the timeout, and turn whatever stops them into
        a CarrierError: the sentence `gone` for a 404, `credentials` for 401 and 403,
        `refused` for any other refusal (each gets %(status)s besides `params`).

        The twilio client gives its HTTP session no deadline of its own (it passes
        aiohttp timeout=None per request), hence the one here."""
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except (TwilioRestException, TwilioServiceException) as refusal:
            status = int(refusal.status)
            # Twilio's error code says more than the status; it holds no credential.
            log.info("the carrier answered HTTP %s, error %s", status, refusal.code)
            template = gone if status == 404 else credentials if status in (401, 403) else refused
            raise CarrierError(
                template, params={**(params or {}), "status": status}, status=status
            ) from None
        except TimeoutError:  # aiohttp's own timeouts are TimeoutErrors too
            raise CarrierError(TIMED_OUT, params={"seconds": f"{self.timeout:g}"}) from None
        except aiohttp.ClientError as unreachable:
            raise CarrierError(
                UNREACHABLE, params={"url": self.base_url, "reason": type(unreachable).__name__}
            ) from None
        except json.JSONDecodeError:
            # A 2xx that is not the API's JSON: a web page, a proxy's answer.
            raise CarrierError(UNREADABLE, params={"url": self.base_url}) from None

    async def call_status(self, call_sid: str) -> str | None:
        """The call's status at the carrier ("in-progress", "completed"...); None when the
        carrier has no such call."""
        try:
            async with self.asking(
                refused=N_("the carrier refused to describe call %(call_sid)s (HTTP %(status)s)"),
                credentials=N_(
                    "the carrier refused to describe call %(call_sid)s: it does not accept "
                    "voiceapp's credentials (HTTP %(status)s), check TWILIO_ACCOUNT_SID and "
                    "TWILIO_AUTH_TOKEN"
                ),
                params={"call_sid": call_sid},
            ):
                call = (
                    await self.client.api.v2010.accounts(self.account.sid)
                    .calls(call_sid)
                    .fetch_async()
                )
        except CarrierError as error:
            if error.status == 404:
                return None
            raise
        return str(call.status)

    async def delete_recording(self, account_sid: str, recording_sid: str) -> bool:
        """Delete a recording at the carrier (DELETE .../Accounts/{account}/Recordings/{sid}):
        True once deleted, False when the carrier has no such recording (deleted already).
        `account_sid` is the one in the recording's URL, a subaccount's included."""
        recording = self.client.api.v2010.accounts(account_sid).recordings(recording_sid)
        try:
            async with self.asking(
                refused=N_(
                    "the carrier refused to delete recording %(recording_sid)s (HTTP %(status)s)"
                ),
                params={"recording_sid": recording_sid},
            ):
                await recording.delete_async()
        except CarrierError as error:
            if error.status == 404:
                return False
            raise
        return True
