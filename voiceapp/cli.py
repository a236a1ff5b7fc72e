"""The `voiceapp` command: serve, migrate, provisioning, call (the emulator), prompts.

Each command group lives in voiceapp/commands/<group>.py and registers its own
sub-commands; this module only wires them and turns every expected failure into a
one-line error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from tortoise.exceptions import DBConnectionError, OperationalError, ValidationError

from voiceapp.commands import COMMAND_GROUPS
from voiceapp.console import EXIT_INTERRUPTED
from voiceapp.core.errors import VoiceappError
from voiceapp.core.settings import SettingsError, get_settings

EXIT_ERROR = 1
# What a shell reports for a command stopped by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141
# How each database says a table or column is missing: a migration not applied yet (a
# new column comes with an upgrade). PostgreSQL says "does not exist" for both.
NOT_MIGRATED_SIGNS = ("no such table", "no such column", "has no column named", "does not exist")


class Parser(argparse.ArgumentParser):
    """argparse, failing as every other voiceapp error does: one line, exit 1.

    argparse's own way (the usage, then an error, exit 2) differs from the rest of the
    CLI's; scripts can then test one exit code and read one line. Sub-commands' parsers
    are made of this class too (add_subparsers uses the parent's class).
    """

    def error(self, message: str) -> NoReturn:
        # The hint names the sub-command whose option was wrong ("voiceapp rooms add").
        self.exit(EXIT_ERROR, f"voiceapp: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = Parser(
        prog="voiceapp", description="Dial-in conference bridge for carrier voice webhooks."
    )
    groups = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_GROUPS:
        register(groups)
    _name_each_command(parser)
    return parser


def _name_each_command(parser: argparse.ArgumentParser) -> None:
    """Let each (sub-)command's parser leave its name in the parsed arguments, so that an
    error found after parsing ("unrecognized arguments") points to that command's --help."""
    parser.set_defaults(command_prog=parser.prog)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _name_each_command(sub)


def _fail(message: str) -> int:
    print(f"voiceapp: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse would blame the top-level command; the hint names the one typed.
        parser.exit(
            EXIT_ERROR,
            f"voiceapp: error: unrecognized arguments: {' '.join(unknown)} "
            f"(see {args.command_prog} --help)\n",
        )
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
    except BrokenPipeError:
        # The reader left early (`voiceapp rooms list | head -1`): nothing failed here.
        # Point stdout at /dev/null so the interpreter's last flush stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (DBConnectionError, ConnectionError, OSError) as error:
        return _fail(f"cannot reach the database: {error}")
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
