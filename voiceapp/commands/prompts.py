"""`voiceapp prompts render|upload`: make the audio callers hear, and replace a room's or a
phone number's greeting with a recording."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from voiceapp.commands.base import Groups
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.settings import Settings
from voiceapp.ivr_prompts.rendering import check_voices, prompt_jobs
from voiceapp.media import audio_check, greetings, hold_music
from voiceapp.media.render import Progress, render


def register(groups: Groups) -> None:
    parser = groups.add_parser("prompts", help="prompt audio files and recorded greetings")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    make = actions.add_parser(
        "render",
        help="synthesize every prompt (espeak-ng) and the hold music (sox) into the media "
        "directory; unchanged files are skipped",
    )
    make.add_argument("--force", action="store_true", help="render every file again")
    make.set_defaults(handler=run_render)
    upload = actions.add_parser(
        "upload", help="replace a room's or a phone number's greeting with a WAV or MP3 file"
    )
    owner = upload.add_mutually_exclusive_group(required=True)
    owner.add_argument("--room", metavar="CONFERENCE_ID", help="the room's conference ID")
    owner.add_argument("--number", metavar="NUMBER", help="one of our numbers, e.g. +33180000001")
    source = upload.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="the recording (WAV or MP3)")
    source.add_argument("--remove", action="store_true", help="go back to the spoken greeting")
    upload.set_defaults(handler=run_upload)


def progress_printer(stream: TextIO) -> Progress:
    """On a terminal, one line rewritten in place; in a log, a line every tenth of the way."""
    interactive = stream.isatty()

    def show(done: int, total: int, path: str) -> None:
        counter = f"[{done:>{len(str(total))}}/{total}]"
        if interactive:
            print(f"\r{counter} {path:<40}", end="\n" if done == total else "", file=stream)
        elif done == total or done * 10 // total != (done - 1) * 10 // total:
            print(f"{counter} {path}", file=stream)
        stream.flush()

    return show


async def run_render(args: argparse.Namespace, settings: Settings) -> int:
    await check_voices(settings)
    jobs = [*prompt_jobs(settings), hold_music.job()]
    print(f"rendering {len(jobs)} files into {settings.media_dir}/, {os.cpu_count()} at a time")
    report = await render(
        jobs, settings.media_dir, force=args.force, progress=progress_printer(sys.stdout)
    )
    print(
        f"{len(report.rendered)} rendered, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed, in {report.seconds:.1f} s"
    )
    return 0


def read_recording(raw_path: str) -> bytes:
    path = Path(raw_path)
    try:
        size = path.stat().st_size
        if size > audio_check.MAX_BYTES:  # refused before reading it all into memory
            raise InvalidInput(
                f"{raw_path} is {size / 1e6:.1f} MB; at most {audio_check.MAX_BYTES / 1e6:.0f} MB"
            )
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {raw_path}: {error.strerror}") from None


async def run_upload(args: argparse.Namespace, settings: Settings) -> int:
    data = None if args.remove else read_recording(args.file)
    async with database(settings.database_url):
        owner = await greetings.find_owner(conference_id=args.room, number=args.number)
        if data is None:
            await greetings.remove_greeting(owner, settings)
            print(f"{greetings.describe(owner)} greets callers with the spoken greeting again")
            return 0
        relative, info = await greetings.replace_greeting(owner, data, settings)
    channels = "mono" if info.channels == 1 else "stereo"
    print(
        f"{greetings.describe(owner)} now greets callers with {relative} "
        f"({info.kind.upper()}, {info.encoding}, {info.sample_rate} Hz, {channels})"
    )
    return 0
