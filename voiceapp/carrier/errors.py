"""What goes wrong when voiceapp asks the carrier's REST API, in sentences a person can act
on: the Live page shows them in its reader's language, the CLI and the logs in English.

None of them ever holds a credential: they name the settings to check, never their values.
Its own module so that carrier.accounts and carrier.rest can both raise it.
"""

from __future__ import annotations

from voiceapp.core.errors import VoiceappError
from voiceapp.core.i18n import N_, Params

# The sentences every request may end with; an operation may word its own refusals.
NO_ACCOUNT = N_(
    "no carrier account is configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
    "so that voiceapp can use the carrier's API"
)
CREDENTIALS_REFUSED = N_(
    "the carrier refused voiceapp's credentials (HTTP %(status)s): check "
    "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
)
REFUSED = N_("the carrier did not carry out the request (HTTP %(status)s)")
PARTICIPANT_GONE = N_("that caller is no longer in the conference at the carrier")
CONFERENCE_OVER = N_("that conference is already over at the carrier")
TIMED_OUT = N_("the carrier did not answer within %(seconds)s seconds; try again")
UNREACHABLE = N_("the carrier's API at %(url)s could not be reached (%(reason)s)")
UNREADABLE = N_(
    "the carrier's API at %(url)s sent an answer voiceapp cannot read: check "
    "VOICEAPP_CARRIER_API_URL"
)


class CarrierError(VoiceappError):
    """The carrier could not be asked, or refused: a translatable sentence that says which
    (`message` in English, `in_language(lang)` for a page), and `status`, the HTTP status
    of a refusal (None when the carrier could not be reached or never answered)."""

    def __init__(
        self, message: str, *, params: Params | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, params=params)
        self.status = status


def no_account() -> CarrierError:
    return CarrierError(NO_ACCOUNT)


def participant_gone() -> CarrierError:
    """For a caller who asks for a participant that the carrier no longer has (a
    ConferenceControl method returned False)."""
    return CarrierError(PARTICIPANT_GONE, status=404)


def conference_over() -> CarrierError:
    return CarrierError(CONFERENCE_OVER, status=404)
