"""Is this file audio a carrier can play? WAV and MP3 recordings, read from their headers.

A recorded greeting is played to every caller, so it is checked before it replaces the
spoken one: the right container, a sane encoding, not too long. Carriers play WAV (PCM,
mu-law, a-law) and MP3 directly.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

from voiceapp.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_SECONDS = 120
WAV_ENCODINGS = {1: "PCM", 6: "a-law", 7: "mu-law", 0xFFFE: "PCM"}  # 0xFFFE: extensible
MP3_BITRATES_KBPS = {  # by MPEG version 1 or 2 (2.5 shares 2's table), for Layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


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


def _skip_id3(data: bytes) -> int:
    """Where the first MP3 frame starts, after an ID3v2 tag if there is one."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:  # "syncsafe": 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    return 10 + size


def _mp3_frame(data: bytes, position: int) -> tuple[int, int, int]:
    """(sample rate, channels, frame length) of the MPEG Layer III frame at `position`."""
    if position + 4 > len(data):
        raise _fail("not an MP3 file: no audio frame found")
    header = int.from_bytes(data[position : position + 4], "big")
    version = (header >> 19) & 3  # 3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5
    layer = (header >> 17) & 3
    bitrate_index = (header >> 12) & 15
    rate_index = (header >> 10) & 3
    if (header >> 21) != 0x7FF or version == 1 or layer != 1:
        raise _fail("not an MP3 file (MPEG audio layer III)")
    if bitrate_index in (0, 15) or rate_index == 3:
        raise _fail("the MP3 frame header is damaged")
    table = MP3_BITRATES_KBPS[1 if version == 3 else 2]
    rate = MP3_RATES[version][rate_index]
    samples_per_slot = 144 if version == 3 else 72
    padding = (header >> 9) & 1
    length = samples_per_slot * table[bitrate_index] * 1000 // rate + padding
    channels = 1 if (header >> 6) & 3 == 3 else 2
    return rate, channels, length


def _mp3(data: bytes) -> AudioInfo:
    start = _skip_id3(data)
    rate, channels, length = _mp3_frame(data, start)
    # A second frame right after the first: random bytes rarely look like two frames.
    if start + length + 4 <= len(data):
        _mp3_frame(data, start + length)
    return AudioInfo("mp3", rate, channels, "MP3")


def inspect(data: bytes) -> AudioInfo:
    """What `data` is, or InvalidInput saying in one line why a carrier could not play it."""
    if len(data) > MAX_BYTES:
        raise _fail(f"the file is {len(data) / 1e6:.1f} MB; at most {MAX_BYTES / 1e6:.0f} MB")
    if len(data) < 44:
        raise _fail("the file is too short to be audio")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _wav(data)
    return _mp3(data)
