"""Live control of a conference at the carrier: mute, hold, remove a caller, end the
conference, speak to it, each one request to the carrier's REST API (Twilio 2010-04-01),
made by the twilio library's client:

    async with control_for(seat.account_sid, settings) as control:
        if not await control.set_muted(conference_sid, call_sid, True):
            ...  # the caller had already left

Each method returns False when the carrier no longer has the participant or the
conference (its 404): the caller hung up, the conference ended, and the status callbacks
that say so are on their way. Anything else that goes wrong is a CarrierError.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from twilio.rest.api.v2010.account.conference import ConferenceContext

from voiceapp.carrier.accounts import account_for
from voiceapp.carrier.errors import CONFERENCE_OVER, PARTICIPANT_GONE, CarrierError
from voiceapp.carrier.rest import REQUEST_TIMEOUT, CarrierApi
from voiceapp.core.settings import Settings

# ConferenceInstance.UpdateStatus.COMPLETED, the only status a conference can be given.
COMPLETED = "completed"


class ConferenceControl:
    """The conferences of one carrier account (the CarrierApi's)."""

    def __init__(self, api: CarrierApi) -> None:
        self.api = api

    def _conference(self, conference_sid: str) -> ConferenceContext:
        return self.api.client.api.v2010.accounts(self.api.account.sid).conferences(conference_sid)

    async def _participant_update(
        self, conference_sid: str, call_sid: str, **change: object
    ) -> bool:
        participant = self._conference(conference_sid).participants(call_sid)
        try:
            async with self.api.asking(gone=PARTICIPANT_GONE):
                await participant.update_async(**change)
        except CarrierError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def set_muted(self, conference_sid: str, call_sid: str, muted: bool) -> bool:
        """Mute or unmute a caller (Muted=true|false); False: no longer in the conference."""
        return await self._participant_update(conference_sid, call_sid, muted=muted)

    async def set_hold(self, conference_sid: str, call_sid: str, hold: bool) -> bool:
        """Put a caller on hold or back (Hold=true|false): on hold, they hear the hold
        music and nobody hears them."""
        return await self._participant_update(conference_sid, call_sid, hold=hold)

    async def remove(self, conference_sid: str, call_sid: str) -> bool:
        """Take a caller out of the conference (DELETE the participant); their call goes
        on to the <Dial action>. False: already gone."""
        participant = self._conference(conference_sid).participants(call_sid)
        try:
            async with self.api.asking(gone=PARTICIPANT_GONE):
                await participant.delete_async()
        except CarrierError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def end(self, conference_sid: str) -> bool:
        """End the conference for everyone (Status=completed). False: already over."""
        try:
            async with self.api.asking(gone=CONFERENCE_OVER):
                await self._conference(conference_sid).update_async(status=COMPLETED)
        except CarrierError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def announce(self, conference_sid: str, url: str, call_sid: str | None = None) -> bool:
        """Have the carrier play the TwiML at `url` (Say, Play, Pause) to the whole
        conference, or to one caller. False: the conference (or the caller) is gone."""
        if call_sid is not None:
            return await self._participant_update(conference_sid, call_sid, announce_url=url)
        try:
            async with self.api.asking(gone=CONFERENCE_OVER):
                await self._conference(conference_sid).update_async(announce_url=url)
        except CarrierError as error:
            if error.status == 404:
                return False
            raise
        return True


@asynccontextmanager
async def control_for(
    account_sid: str | None, settings: Settings, *, request_timeout: float = REQUEST_TIMEOUT
) -> AsyncIterator[ConferenceControl]:
    """Control of the conferences hosted by the carrier account `account_sid` (a seat's
    AccountSid: a running emulator's, or the configured carrier's); its HTTP session is
    closed on the way out. CarrierError when no account is configured. Needs the database
    (to find a registered emulator)."""
    account = await account_for(account_sid, settings)
    async with CarrierApi(settings, account, request_timeout=request_timeout) as api:
        yield ConferenceControl(api)
