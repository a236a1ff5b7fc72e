"""`voiceapp migrate` and `voiceapp serve`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket

from voiceapp.accounts import first_admin
from voiceapp.commands.base import Groups
from voiceapp.core import db, server_secrets
from voiceapp.core.errors import InvalidInput
from voiceapp.core.settings import Settings, get_settings
from voiceapp.web.body_limits import ADMIN_MAX_BYTES, WEBHOOK_MAX_BYTES
from voiceapp.web.http_protocol import MAX_HEAD_BYTES, DeadlineHttpProtocol

log = logging.getLogger(__name__)

# Seconds a connection may sit idle between two requests: uvicorn's own default, set here
# so that it is stated. An idle connection holds a file descriptor; the carrier opens a
# new one when it finds one closed.
KEEP_ALIVE_SECONDS = 5


def limits_help() -> str:
    """What `voiceapp serve --help` says after its options."""
    webhook, admin = WEBHOOK_MAX_BYTES // 1024, ADMIN_MAX_BYTES // 1024
    head, idle = MAX_HEAD_BYTES // 1024, KEEP_ALIVE_SECONDS
    return f"""\
limits and timeouts (the VOICEAPP_* settings are read from the environment; the
figures in brackets are their defaults):
  body size      at most {webhook} KiB on carrier webhooks and {admin} KiB on admin pages:
                 a larger one is answered 413 and its connection closed
  request head   at most {head} KiB, and complete VOICEAPP_HEAD_TIMEOUT seconds (10) after
                 the connection opens (or, kept alive, after its first bytes): else the
                 connection is closed
  body time      complete VOICEAPP_BODY_TIMEOUT seconds (10) after its head: else 408
                 and the connection is closed
  idle           a kept-alive connection is closed after {idle} s without a request
  voice webhook  answered within VOICEAPP_WEBHOOK_DEADLINE seconds (10): past it, the
                 caller hears the apology (the carrier itself gives up at 15 s)
  SIGTERM        stop accepting, close idle connections and drop uploads still sending
                 their body; answer the requests in flight for up to
                 VOICEAPP_SHUTDOWN_TIMEOUT seconds (5), then exit (with --workers, every
                 worker at once); a voice webhook still waiting then gets the apology
"""


def require_free_port(host: str, port: int) -> None:
    """Refuse, in one line, a port something else listens on: uvicorn would print its
    own lines and exit 3. (Taken between this check and uvicorn's bind, uvicorn says it.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror}") from None


def port_number(raw: str) -> int:
    """A TCP port, checked before anything listens: uvicorn would take 99999 and quietly
    listen on another port (99999 modulo 65536)."""
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {port}")
    return port


def register(groups: Groups) -> None:
    migrate = groups.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(handler=run_migrate)

    serve = groups.add_parser(
        "serve",
        help="serve the carrier webhooks (and admin pages)",
        description="Serve the carrier webhooks and the admin pages over HTTP (uvicorn).",
        epilog=limits_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=port_number, default=8000, help="TCP port, 1 to 65535 (default: %(default)s)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, each with the limits below (more than 1: PostgreSQL only)",
    )
    serve.set_defaults(handler=run_serve)


async def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    applied = await db.migrate(settings.database_url)
    if applied:
        for name in applied:
            print(f"applied {name}")
    else:
        print("database is up to date")
    return 0


async def _first_run(settings: Settings) -> str | None:
    """Make the secrets this database lacks; the setup token while no admin exists."""
    async with db.database(settings.database_url):
        await server_secrets.resolved(settings)
        return await first_admin.open_setup()


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.workers < 1:
        raise InvalidInput("--workers must be at least 1")
    if args.workers > 1 and settings.is_sqlite:
        raise InvalidInput(
            "SQLite is single-process: --workers > 1 needs VOICEAPP_DATABASE_URL=postgres://..."
        )
    # Checked once here rather than failing every webhook with the apology.
    asyncio.run(db.require_migrated(settings.database_url))
    require_free_port(args.host, args.port)
    if "VOICEAPP_PUBLIC_URL" not in os.environ:
        # Nothing says where the carrier calls from: assume it calls this very address (a
        # local test, the emulator's --url), so signatures match the port served here.
        # The workers read the environment when they build the app.
        local = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # noqa: S104
        os.environ["VOICEAPP_PUBLIC_URL"] = f"http://{local}:{args.port}"
        get_settings.cache_clear()
        settings = get_settings()
    # Before the workers start, so that they find the secrets made rather than race to.
    setup_token = asyncio.run(_first_run(settings))
    if setup_token:
        # Printed, not logged: it is meant for the person at this terminal only, and it
        # stops working once used or when the server starts again.
        print(
            "No admin account yet. Open this link to create the first one (it works once):\n"
            f"  {first_admin.setup_url(settings.public_url, setup_token)}",
            flush=True,
        )
    uvicorn.run(
        "voiceapp.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        # Deadlines for each request's head and body, a limit on the head's size, and
        # uploads dropped at shutdown (http_protocol); body sizes are the app's (body_limits).
        http=DeadlineHttpProtocol,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # Past this, requests still being answered are cancelled and the worker exits.
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    return 0
