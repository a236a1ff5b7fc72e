"""How a person is written down, for an account and a contact alike: their e-mail address
and the language their mail is written in.

Addresses are checked with the email-validator library (syntax only: no DNS look-up, so
a check never waits on the network). They are stored in lower case: an invitee typed as
Ana@Example.com is the contact ana@example.com, and one address is never two contacts.
Mail servers treat the part before the @ without regard to case in practice, and the
domain is case-insensitive by definition.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import LANGUAGES, N_

# RFC 5321: a path of at most 256 octets, two of them the angle brackets.
EMAIL_MAX = 254
# The languages a person's mail (invitations, reminders) can be written in.
MAIL_LANGUAGES = LANGUAGES


def check_email(raw: str, *, field: str = "email") -> str:
    """`raw` as an e-mail address, trimmed and in lower case, or InvalidInput."""
    text = raw.strip()
    if not text:
        raise InvalidInput(N_("the e-mail address must not be empty"), field=field)
    if len(text) > EMAIL_MAX:
        raise InvalidInput(
            N_("an e-mail address is at most %(max)s characters"),
            params={"max": EMAIL_MAX},
            field=field,
        )
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        # The library's reason is English only: the sentence here is translated, and the
        # address is quoted so the reader sees what was wrong with it.
        raise InvalidInput(
            # Translators: %(email)s is what was typed, in quotes.
            N_("%(email)s is not a valid e-mail address, e.g. ana@example.com"),
            params={"email": repr(text)},
            field=field,
        ) from None
    return checked.normalized.lower()


def check_language(raw: str, *, field: str = "language") -> str:
    """`raw` as one of the mail languages (en, fr, es), or InvalidInput."""
    code = raw.strip().lower()
    if code not in MAIL_LANGUAGES:
        raise InvalidInput(
            # Translators: %(language)s is what was typed, in quotes; fr, es, en are codes.
            N_("%(language)s is not a language voiceapp writes in: use fr, es or en"),
            params={"language": repr(raw.strip()[:20])},
            field=field,
        )
    return code
