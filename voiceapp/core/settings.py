"""Every setting voiceapp reads, taken from the environment once.

Names and defaults here are part of the public contract (see README's settings table).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from email.utils import getaddresses
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from voiceapp.core.say_locales import language_of, parse_locale

MEDIA_MODES = ("say", "play", "auto")
MIN_SECRET_KEY_LENGTH = 32


class SettingsError(ValueError):
    """A setting has a value voiceapp cannot use; the message names it."""


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _say_locale(env: dict[str, str], language: str, default: str) -> str:
    name = f"VOICEAPP_SAY_LOCALE_{language.upper()}"
    raw = env.get(name) or default
    locale = parse_locale(raw)
    if locale is None or language_of(locale) != language:
        raise SettingsError(f"{name} must be a {language}-XX locale such as {default}, got {raw!r}")
    return locale


def _say_voices(env: dict[str, str]) -> dict[str, str]:
    """VOICEAPP_SAY_VOICES: "fr-FR=Polly.Lea,es-MX=Polly.Mia"."""
    voices: dict[str, str] = {}
    for item in env.get("VOICEAPP_SAY_VOICES", "").split(","):
        if not item.strip():
            continue
        raw_locale, _, voice = item.partition("=")
        locale = parse_locale(raw_locale)
        if locale is None or not voice.strip():
            raise SettingsError(
                "VOICEAPP_SAY_VOICES takes locale=voice pairs such as fr-FR=Polly.Lea, "
                f"got {item!r}"
            )
        voices[locale] = voice.strip()
    return voices


# VOICEAPP_SMTP_URL's schemes and the port each uses when the URL names none.
SMTP_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    """Where e-mail goes (VOICEAPP_SMTP_URL). smtp:// upgrades with STARTTLS when the
    server offers it; smtps:// speaks TLS from the first byte."""

    host: str
    port: int
    implicit_tls: bool
    username: str = ""
    # Never shown: repr leaves it out, `shown` puts *** in its place.
    password: str = field(default="", repr=False)

    @property
    def shown(self) -> str:
        """The URL as logs, errors and pages may show it: without the password."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        login = quote(self.username, safe="") + (":***" if self.password else "")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{login + '@' if self.username else ''}{host}:{self.port}"


def redacted_url(raw: str) -> str:
    """A URL as typed, with everything between its user name and its host hidden: said
    in an error, even a URL that does not parse must not show its password."""
    scheme, separator, rest = raw.partition("://")
    login, at, host = rest.rpartition("@")
    if not (separator and at):
        return raw
    return f"{scheme}://{login.split(':', 1)[0]}:***@{host}"


def _smtp_server(env: dict[str, str]) -> SmtpServer | None:
    """VOICEAPP_SMTP_URL: smtp://user:pass@host:587, smtps://user:pass@host:465 or
    smtp://host:25; user and password percent-encoded. Unset: no e-mail goes out."""
    raw = env.get("VOICEAPP_SMTP_URL", "").strip()
    if not raw:
        return None

    def invalid(why: str) -> SettingsError:
        return SettingsError(f"VOICEAPP_SMTP_URL {why}, got {redacted_url(raw)!r}")

    parts = urlsplit(raw)
    if parts.scheme not in SMTP_DEFAULT_PORTS:
        raise invalid("must start with smtp:// or smtps://")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        # Most often a password with a / ? or # in it, which must be percent-encoded.
        raise invalid("must be scheme://user:password@host:port (percent-encode / ? # @)")
    try:
        port = parts.port or SMTP_DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise invalid("has a port that is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise invalid("names no server (smtp://user:password@host:587)")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _mail_from(env: dict[str, str], public_url: str) -> str:
    """VOICEAPP_MAIL_FROM: an address, optionally with a name ("Bridge <a@example.com>").
    By default voiceapp@ the host of VOICEAPP_PUBLIC_URL (localhost for an IP address)."""
    raw = env.get("VOICEAPP_MAIL_FROM", "").strip()
    if not raw:
        host = urlsplit(public_url).hostname or "localhost"
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return f"voiceapp@{host}"
        return "voiceapp@localhost"
    found = getaddresses([raw])
    address = found[0][1] if len(found) == 1 else ""
    local, _, domain = address.rpartition("@")
    if not (local and domain) or any(c.isspace() or c in "<>,;" for c in address):
        raise SettingsError(
            "VOICEAPP_MAIL_FROM must be an e-mail address, optionally with a name "
            f'("Conference bridge <voiceapp@example.com>"), got {raw!r}'
        )
    return raw


@dataclass(frozen=True)
class Settings:
    database_url: str
    auth_token: str
    public_url: str
    media_mode: str
    media_dir: Path
    # Text-to-speech locale per call language ("fr" -> "fr-FR"); a number's own overrides it.
    say_locales: dict[str, str]
    # Carrier voice per locale ("fr-FR" -> "Polly.Lea"); a locale without one gets no voice
    # attribute, so the carrier's default voice for that language.
    say_voices: dict[str, str]
    max_rooms: int
    default_capacity: int
    max_capacity: int
    seat_hold_seconds: int
    gather_timeout_seconds: int
    pin_window_seconds: int
    pin_max_failures_per_caller: int
    pin_max_failures_per_room: int
    log_level: str
    ring_timeout_seconds: int
    voicemail_max_seconds: int
    directory_cache_seconds: int
    # Signs the admin session cookie. Empty: the admin pages are off (see admin/__init__.py).
    secret_key: str = ""
    login_window_seconds: int = 900
    login_max_failures_per_user: int = 5
    login_max_failures_per_address: int = 20
    # The carrier's REST API: who we are there (with auth_token) and where it is. Without
    # an account SID voiceapp never calls the carrier (see seat_upkeep).
    account_sid: str = ""
    carrier_api_url: str = "https://api.twilio.com"
    # The longest a caller may stay in a conference (the <Dial timeLimit>): the carrier
    # hangs up then, so no seat is ever held for longer, whatever callbacks were lost.
    call_time_limit_seconds: int = 14400
    # How often seat counters, seats and old rows are checked (see housekeeping).
    housekeeping_seconds: int = 60
    # `voiceapp serve`'s deadlines: a request's head after the connection (or, kept alive,
    # its first byte), its body after the head; on SIGTERM, the in-flight answers.
    head_timeout_seconds: int = 10
    body_timeout_seconds: int = 10
    shutdown_timeout_seconds: int = 5
    # The longest a voice webhook may take before the caller hears the apology: under the
    # carrier's own 15 s, after which it plays a generic error.
    webhook_deadline_seconds: float = 10.0
    # The SMTP server e-mail goes through; None: mail waits in the outbox (see mail/).
    smtp: SmtpServer | None = None
    # The From of every message voiceapp sends, and its envelope sender.
    mail_from: str = "voiceapp@localhost"

    @property
    def seat_overdue_seconds(self) -> int:
        """How long a seat can possibly be needed: the carrier hangs up a call at its time
        limit, counted from the <Dial> that follows the reservation within the hold."""
        return self.call_time_limit_seconds + self.seat_hold_seconds

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from `env` (the process environment by default)."""
    env = dict(os.environ if env is None else env)
    public_url = env.get("VOICEAPP_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise SettingsError(
            f"VOICEAPP_PUBLIC_URL must start with http:// or https://, got {public_url!r}"
        )
    media_mode = env.get("VOICEAPP_MEDIA_MODE", "auto").lower()
    if media_mode not in MEDIA_MODES:
        raise SettingsError(
            f"VOICEAPP_MEDIA_MODE must be one of {', '.join(MEDIA_MODES)}, got {media_mode!r}"
        )
    database_url = env.get("VOICEAPP_DATABASE_URL", "sqlite://voiceapp.sqlite3")
    if not database_url.startswith(("sqlite:", "postgres://", "postgresql://", "asyncpg://")):
        raise SettingsError("VOICEAPP_DATABASE_URL must be an sqlite:// or postgres:// URL")
    max_capacity = 250  # Twilio's own ceiling for <Conference maxParticipants>.
    secret_key = env.get("VOICEAPP_SECRET_KEY", "")
    if secret_key and len(secret_key) < MIN_SECRET_KEY_LENGTH:
        # A short key can be brute-forced offline from one cookie, then sessions forged.
        raise SettingsError(
            f"VOICEAPP_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; make one "
            "with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return Settings(
        database_url=database_url,
        auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
        public_url=public_url,
        media_mode=media_mode,
        media_dir=Path(env.get("VOICEAPP_MEDIA_DIR", "selfhost_media")),
        say_locales={"fr": _say_locale(env, "fr", "fr-FR"), "es": _say_locale(env, "es", "es-ES")},
        say_voices=_say_voices(env),
        max_rooms=_int(env, "VOICEAPP_MAX_ROOMS", 10, 1, 1000),
        default_capacity=_int(env, "VOICEAPP_ROOM_CAPACITY", 10, 1, max_capacity),
        max_capacity=max_capacity,
        seat_hold_seconds=_int(env, "VOICEAPP_SEAT_HOLD_SECONDS", 60, 5, 3600),
        gather_timeout_seconds=_int(env, "VOICEAPP_GATHER_TIMEOUT", 6, 1, 60),
        pin_window_seconds=_int(env, "VOICEAPP_PIN_WINDOW_SECONDS", 900, 60, 86400),
        pin_max_failures_per_caller=_int(env, "VOICEAPP_PIN_MAX_FAILURES_PER_CALLER", 6, 1, 1000),
        pin_max_failures_per_room=_int(env, "VOICEAPP_PIN_MAX_FAILURES_PER_ROOM", 30, 1, 10000),
        log_level=env.get("VOICEAPP_LOG_LEVEL", "INFO").upper(),
        # Twilio's <Dial timeout> is 5 to 600 s.
        ring_timeout_seconds=_int(env, "VOICEAPP_RING_TIMEOUT", 20, 5, 600),
        voicemail_max_seconds=_int(env, "VOICEAPP_VOICEMAIL_MAX_SECONDS", 120, 5, 3600),
        directory_cache_seconds=_int(env, "VOICEAPP_DIRECTORY_CACHE_SECONDS", 5, 0, 300),
        secret_key=secret_key,
        login_window_seconds=_int(env, "VOICEAPP_LOGIN_WINDOW_SECONDS", 900, 60, 86400),
        login_max_failures_per_user=_int(env, "VOICEAPP_LOGIN_MAX_FAILURES", 5, 1, 1000),
        login_max_failures_per_address=_int(
            env, "VOICEAPP_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, 1, 10000
        ),
        account_sid=env.get("TWILIO_ACCOUNT_SID", "").strip(),
        carrier_api_url=_carrier_api_url(env),
        # Twilio's <Dial timeLimit> is at most 24 hours; its default is 4.
        call_time_limit_seconds=_int(env, "VOICEAPP_CALL_TIME_LIMIT", 14400, 60, 86400),
        housekeeping_seconds=_int(env, "VOICEAPP_HOUSEKEEPING_SECONDS", 60, 5, 3600),
        head_timeout_seconds=_int(env, "VOICEAPP_HEAD_TIMEOUT", 10, 1, 300),
        body_timeout_seconds=_int(env, "VOICEAPP_BODY_TIMEOUT", 10, 1, 300),
        shutdown_timeout_seconds=_int(env, "VOICEAPP_SHUTDOWN_TIMEOUT", 5, 1, 60),
        webhook_deadline_seconds=_int(env, "VOICEAPP_WEBHOOK_DEADLINE", 10, 1, 14),
        smtp=_smtp_server(env),
        mail_from=_mail_from(env, public_url),
    )


def _carrier_api_url(env: dict[str, str]) -> str:
    url = env.get("VOICEAPP_CARRIER_API_URL", "https://api.twilio.com").strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SettingsError(
            f"VOICEAPP_CARRIER_API_URL must start with http:// or https://, got {url!r}"
        )
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call `get_settings.cache_clear()`."""
    return load_settings()
