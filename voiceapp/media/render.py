"""Render audio files into the media directory: a source command's WAV, converted by sox
to what carriers play without resampling (8 kHz, mono, 16-bit PCM).

A file whose fingerprint is already in the manifest, and still on disk, is skipped; files
the manifest lists that no job makes any more are deleted. Jobs run in parallel, one per
CPU, each written under a temporary name and then renamed, so a carrier never fetches a
half-written file.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceapp.core.errors import VoiceappError
from voiceapp.media import manifest

# sox output options: 8 kHz mono 16-bit signed PCM WAV.
OUTPUT_FORMAT = ("-t", "wav", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer")


class RenderError(VoiceappError):
    """A tool is missing or failed; the message says which and why."""


@dataclass(frozen=True)
class Job:
    """One file to make: `source` writes a WAV on stdout (fed `stdin`), then sox converts
    it to OUTPUT_FORMAT through `effects` into `path` (relative to the media directory)."""

    path: str
    fingerprint: str
    source: tuple[str, ...]
    stdin: bytes = b""
    effects: tuple[str, ...] = ()


@dataclass
class Report:
    rendered: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0


Progress = Callable[[int, int, str], None]  # (files done, files to render, path just made)


def _last_line(output: bytes) -> str:
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no message"


async def run_tool(argv: Sequence[str], stdin: bytes = b"") -> tuple[bytes, bytes]:
    """Run a tool; its stdout and stderr."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise RenderError(
            f"{argv[0]} is not installed (Debian: apt-get install espeak-ng sox)"
        ) from None
    out, err = await process.communicate(stdin)
    if process.returncode != 0:
        raise RenderError(f"{argv[0]} failed: {_last_line(err)}")
    return out, err


async def _make(job: Job, media_dir: Path) -> None:
    target = media_dir / job.path
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.partial.wav")
    wav, complaint = await run_tool(job.source, job.stdin)
    if not wav.startswith(b"RIFF"):  # espeak-ng exits 0 even when it cannot find its voice
        raise RenderError(
            f"{job.source[0]} wrote no audio for {job.path}: {_last_line(complaint or wav[:200])}"
        )
    await run_tool(["sox", "-t", "wav", "-", *OUTPUT_FORMAT, str(partial), *job.effects], wav)
    os.replace(partial, target)


def _prune(media_dir: Path, entries: dict[str, str], wanted: set[str]) -> list[str]:
    """Delete the rendered files no job makes any more (a prompt cut differently, say)."""
    removed = sorted(set(entries) - wanted)
    for path in removed:
        (media_dir / path).unlink(missing_ok=True)
        del entries[path]
    return removed


async def render(
    jobs: Sequence[Job],
    media_dir: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Make every job's file unless it is unchanged (or `force`), and record it."""
    started = time.monotonic()
    entries = manifest.load(media_dir)
    report = Report()
    report.removed = _prune(media_dir, entries, {job.path for job in jobs})
    todo = [
        job
        for job in jobs
        if force or entries.get(job.path) != job.fingerprint or not (media_dir / job.path).is_file()
    ]
    report.unchanged = len(jobs) - len(todo)
    slots = asyncio.Semaphore(os.cpu_count() or 1)

    async def one(job: Job) -> None:
        async with slots:
            await _make(job, media_dir)
        entries[job.path] = job.fingerprint
        report.rendered.append(job.path)
        if progress is not None:
            progress(len(report.rendered), len(todo), job.path)

    try:
        async with asyncio.TaskGroup() as group:
            for job in todo:
                group.create_task(one(job))
    except* RenderError as failed:
        raise failed.exceptions[0] from None
    finally:
        # Whatever was made is recorded, so a second run after a failure resumes.
        manifest.save(media_dir, entries)
        report.seconds = time.monotonic() - started
    return report
