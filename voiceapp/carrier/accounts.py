"""Which carrier account answers for a conference: the configured one (TWILIO_ACCOUNT_SID
at VOICEAPP_CARRIER_API_URL), or a built-in emulator placing calls right now.

A call's webhooks carry the AccountSid of the carrier that placed it; an emulator
(`voiceapp call --stay`, the Test call page) registers its AccountSid and the address of
its REST API while it runs, so a conference it hosts is controlled at that emulator, not
at Twilio. Emulators sign their webhooks with the server's TWILIO_AUTH_TOKEN and check
it on their API: that is the token used for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceapp.carrier.errors import no_account
from voiceapp.core.models import EmulatedCarrier
from voiceapp.core.settings import Settings


@dataclass(frozen=True)
class CarrierAccount:
    """Who voiceapp is at a carrier's REST API, and where that API is (no trailing /)."""

    sid: str  # the account SID (AC...): the basic-auth user, and part of every path
    token: str = field(repr=False)  # so that no log or traceback of an account shows it
    api_url: str


def configured_account(settings: Settings) -> CarrierAccount | None:
    """The account the settings name, or None without TWILIO_ACCOUNT_SID and
    TWILIO_AUTH_TOKEN."""
    if not (settings.account_sid and settings.auth_token):
        return None
    return CarrierAccount(settings.account_sid, settings.auth_token, settings.carrier_api_url)


async def register_emulator(account_sid: str, api_url: str) -> None:
    """Record (or move) a running emulator's REST API; a restarted emulator with the same
    AccountSid replaces its old address."""
    api_url = api_url.rstrip("/")
    updated = await EmulatedCarrier.filter(account_sid=account_sid).update(api_url=api_url)
    if not updated:
        await EmulatedCarrier.get_or_create(account_sid=account_sid, defaults={"api_url": api_url})
        # Another worker may have created it first with another address: this one wins.
        await EmulatedCarrier.filter(account_sid=account_sid).update(api_url=api_url)


async def forget_emulator(account_sid: str) -> None:
    """The emulator stopped: its conferences are over, nothing is to be asked of it."""
    await EmulatedCarrier.filter(account_sid=account_sid).delete()


async def account_for(account_sid: str | None, settings: Settings) -> CarrierAccount:
    """The account that hosts the conferences of calls placed by `account_sid` (the
    AccountSid of their webhooks): a registered emulator's, else the configured carrier's.
    CarrierError when there is neither (or no TWILIO_AUTH_TOKEN to sign with)."""
    if account_sid and settings.auth_token:
        emulator = await EmulatedCarrier.get_or_none(account_sid=account_sid)
        if emulator is not None:
            return CarrierAccount(account_sid, settings.auth_token, emulator.api_url)
    account = configured_account(settings)
    if account is None:
        raise no_account()
    return account


async def controls_calls_of(account_sid: str | None, settings: Settings) -> bool:
    """Whether voiceapp can act, through a REST API, on the conferences of calls placed by
    `account_sid`: a registered emulator's, or the configured carrier account's own calls."""
    if (
        account_sid
        and settings.auth_token
        and await EmulatedCarrier.exists(account_sid=account_sid)
    ):
        return True
    account = configured_account(settings)
    return account is not None and account_sid in (None, account.sid)
