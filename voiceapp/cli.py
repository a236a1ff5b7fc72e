"""The `voiceapp` command: serve, migrate, provisioning, call (the emulator), prompts.

Each command group lives in voiceapp/commands/<group>.py and registers its own
sub-commands; this module only wires them and turns every expected failure into a
one-line error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from tortoise.exceptions import DBConnectionError, OperationalError, ValidationError

from voiceapp.commands import COMMAND_GROUPS
from voiceapp.core.errors import VoiceappError
from voiceapp.core.settings import SettingsError, get_settings

EXIT_ERROR = 1
# How each database says a table or column is missing: a migration not applied yet (a
# new column comes with an upgrade). PostgreSQL says "does not exist" for both.
NOT_MIGRATED_SIGNS = ("no such table", "no such column", "has no column named", "does not exist")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceapp", description="Dial-in conference bridge for carrier voice webhooks."
    )
    groups = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_GROUPS:
        register(groups)
    return parser


def _fail(message: str) -> int:
    print(f"voiceapp: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
        result = args.handler(args, settings)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except VoiceappError as error:
        return _fail(error.message)
    except SettingsError as error:
        return _fail(str(error))
    except ValidationError as error:
        # A value the domain's checks let through but a column refuses (too long for it);
        # tortoise names the field and quotes the value, which may span lines.
        return _fail(f"value refused by the database: {' '.join(str(error).split())}")
    except OperationalError as error:
        if any(sign in str(error) for sign in NOT_MIGRATED_SIGNS):
            return _fail("the database is not migrated yet: run 'voiceapp migrate' first")
        return _fail(f"database error: {error}")
    except (DBConnectionError, ConnectionError, OSError) as error:
        return _fail(f"cannot reach the database: {error}")
    except KeyboardInterrupt:
        return 130
