"""Is this file audio a carrier can play? WAV and MP3 recordings, read from their headers.

A recorded greeting is played to every caller, so it is checked before it replaces the
spoken one: the right container, a sane encoding, not too long. Carriers play WAV (PCM,
mu-law, a-law) and MP3 directly.

MP3 is read by mutagen (pure Python, maintained): it skips ID3v2 tags, stacked ones
included, and finds MPEG frames that follow one another, which random bytes rarely do.
WAV stays read here, a walk over RIFF chunks: mutagen's WAVE names no encoding in its
documented attributes (float or mu-law would pass as PCM), reports a file without a data
chunk as 0 seconds of audio, and believes the 0xFFFFFFFF size a streamed WAV claims.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Literal

from mutagen import MutagenError
from mutagen.mp3 import MPEGInfo

from voiceapp.core.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_SECONDS = 120
WAV_ENCODINGS = {1: "PCM", 6: "a-law", 7: "mu-law", 0xFFFE: "PCM"}  # 0xFFFE: extensible


@dataclass(frozen=True)
class AudioInfo:
    kind: Literal["wav", "mp3"]
    sample_rate: int
    channels: int
    encoding: str


def _fail(message: str) -> InvalidInput:
    return InvalidInput(message, field="file")


def _wav(data: bytes) -> AudioInfo:
    position = 12
    fmt: tuple[int, int, int, int, int, int] | None = None
    while position + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, position)
        body = position + 8
        if chunk_id == b"fmt " and size >= 16 and body + 16 <= len(data):
            fmt = struct.unpack_from("<HHIIHH", data, body)
        elif chunk_id == b"data":
            break
        position = body + size + (size & 1)  # chunks are padded to an even size
    else:
        raise _fail("the WAV file has no audio data chunk")
    if fmt is None:
        raise _fail("the WAV file has no format chunk before its audio data")
    encoding, channels, rate, byte_rate, _, bits = fmt
    if encoding not in WAV_ENCODINGS:
        raise _fail(f"WAV encoding {encoding} is not one carriers play: use PCM or mu-law")
    if channels not in (1, 2) or not 8000 <= rate <= 48000 or bits not in (8, 16):
        raise _fail(
            f"WAV must be mono or stereo, 8 to 48 kHz, 8 or 16 bits; "
            f"this one is {channels} channels, {rate} Hz, {bits} bits"
        )
    audio_bytes = min(size, len(data) - position - 8)  # streamed WAVs may claim 0xFFFFFFFF
    seconds = audio_bytes / byte_rate if byte_rate else 0
    if seconds > MAX_SECONDS:
        raise _fail(f"the recording lasts {seconds:.0f} s; at most {MAX_SECONDS} s")
    return AudioInfo("wav", rate, channels, WAV_ENCODINGS[encoding])


def _mp3(data: bytes) -> AudioInfo:
    try:
        info = MPEGInfo(io.BytesIO(data))
    except MutagenError:
        raise _fail("not an MP3 file: no run of MPEG audio frames found") from None
    if info.layer != 3:
        raise _fail("not an MP3 file (MPEG audio layer III)")
    # mutagen has no type annotations (mypy reads MPEGInfo as Any): int() says what we keep.
    return AudioInfo("mp3", int(info.sample_rate), int(info.channels), "MP3")


def inspect(data: bytes) -> AudioInfo:
    """What `data` is, or InvalidInput saying in one line why a carrier could not play it."""
    if len(data) > MAX_BYTES:
        raise _fail(f"the file is {len(data) / 1e6:.1f} MB; at most {MAX_BYTES / 1e6:.0f} MB")
    if len(data) < 44:
        raise _fail("the file is too short to be audio")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _wav(data)
    return _mp3(data)
