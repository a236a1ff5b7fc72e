"""`voiceapp migrate` and `voiceapp serve`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from voiceapp import db
from voiceapp.commands.base import Groups
from voiceapp.errors import InvalidInput
from voiceapp.settings import Settings, get_settings

log = logging.getLogger(__name__)


def register(groups: Groups) -> None:
    migrate = groups.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(handler=run_migrate)

    serve = groups.add_parser("serve", help="serve the carrier webhooks (and admin pages)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL only)")
    serve.set_defaults(handler=run_serve)


async def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    applied = await db.migrate(settings.database_url)
    if applied:
        for name in applied:
            print(f"applied {name}")
    else:
        print("database is up to date")
    return 0


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
    if not settings.secret_key:
        # Said when serving, not whenever an app is built: `voiceapp call` builds one
        # in-process and has no admin pages to offer.
        log.warning("VOICEAPP_SECRET_KEY is not set: the admin pages are off")
    if "VOICEAPP_PUBLIC_URL" not in os.environ:
        # Nothing says where the carrier calls from: assume it calls this very address (a
        # local test, the emulator's --url), so signatures match the port served here.
        # The workers read the environment when they build the app.
        local = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # noqa: S104
        os.environ["VOICEAPP_PUBLIC_URL"] = f"http://{local}:{args.port}"
        get_settings.cache_clear()
    uvicorn.run(
        "voiceapp.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )
    return 0
