"""X-Twilio-Signature checking.

The carrier signs the URL it called plus the sorted POST parameters (HMAC-SHA1 with the
account's auth token). Behind a TLS proxy the app sees http:// and an inner host, so the
URL is rebuilt from VOICEAPP_PUBLIC_URL + path + query, never taken from request.url.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from starlette.datastructures import FormData
from starlette.requests import Request
from twilio.request_validator import RequestValidator

HEADER = "X-Twilio-Signature"


@lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def signed_url(request: Request, public_url: str) -> str:
    # From the ASGI scope rather than request.url, which builds a whole URL object.
    path: str = request.scope["path"]
    query: bytes = request.scope["query_string"]
    return public_url + path + (f"?{query.decode('latin-1')}" if query else "")


UNSIGNED = "unsigned"
BAD_SIGNATURE = "bad signature"


def signature_problem(
    request: Request, form: FormData, auth_token: str, public_url: str
) -> str | None:
    """None when the carrier signed this request with our token; otherwise what is wrong,
    for the log: UNSIGNED (no signature at all: not the carrier) or BAD_SIGNATURE (signed,
    but not with our token or not for this URL: usually a TWILIO_AUTH_TOKEN or a
    VOICEAPP_PUBLIC_URL that differs from the carrier's)."""
    if not request.headers.get(HEADER):
        return UNSIGNED
    return None if is_signed(request, form, auth_token, public_url) else BAD_SIGNATURE


def is_signed(request: Request, form: FormData, auth_token: str, public_url: str) -> bool:
    signature = request.headers.get(HEADER, "")
    if not auth_token or not signature:
        return False
    validator = _validator(auth_token)
    url = signed_url(request, public_url)
    # The carrier signs the URL exactly as configured, so one HMAC settles nearly every
    # request; validate() (which also tries the URL with and without an explicit port)
    # runs only when that one does not match.
    if hmac.compare_digest(str(validator.compute_signature(url, form)), signature):
        return True
    return bool(validator.validate(url, form, signature))


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """The signature a carrier would send for a POST of `params` to `url` (the emulator's)."""
    return str(_validator(auth_token).compute_signature(url, params))
