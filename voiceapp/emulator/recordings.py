"""What an emulated caller says at the beep, as real audio.

A real carrier keeps the recording and voiceapp fetches it from its API; the emulator has
no API, so it writes the recording where voiceapp looks for recordings of its own
(carrier.recordings.local_file: media_dir/recordings/<RecordingSid>.wav). The sound is a
mono 8 kHz 16-bit WAV, the format a carrier records in, of the message's exact length:
syllables of a voice-like pitch and timbre, in words and phrases with pauses, so a
player has something that sounds like speech to play and seek in. Made with the standard
library only (no espeak-ng needed), the same for the same SID.
"""

from __future__ import annotations

import math
import os
import random
import struct
import tempfile
import wave
from functools import cache
from pathlib import Path

from voiceapp.carrier.recordings import local_file

SAMPLE_RATE = 8000
PEAK = 9000  # of 32767: a voice at a comfortable level, never clipped
HARMONICS = (1.0, 0.55, 0.35, 0.22, 0.12)  # a buzzy voice, like a larynx's


@cache
def _syllable(pitch: int, length_ms: int) -> bytes:
    """One syllable: a voiced sound whose pitch falls a little, rising and fading."""
    count = SAMPLE_RATE * length_ms // 1000
    samples = []
    phase = 0.0
    for index in range(count):
        progress = index / count
        frequency = pitch * (1.08 - 0.16 * progress)
        phase += 2 * math.pi * frequency / SAMPLE_RATE
        envelope = math.sin(math.pi * progress) ** 0.6
        value = sum(weight * math.sin(n * phase) for n, weight in enumerate(HARMONICS, 1))
        samples.append(int(PEAK / sum(HARMONICS) * envelope * value))
    return struct.pack(f"<{count}h", *samples)


def _silence(length_ms: int) -> bytes:
    return bytes(2 * (SAMPLE_RATE * length_ms // 1000))


def speech_like(seconds: int, seed: str = "") -> bytes:
    """`seconds` of voice-like sound as 16-bit little-endian samples at 8 kHz."""
    wanted = 2 * SAMPLE_RATE * seconds
    chooser = random.Random(seed)  # noqa: S311 - a sound, not a secret
    frames = bytearray()
    while len(frames) < wanted:
        for _ in range(chooser.randint(1, 3)):  # a word of one to three syllables
            pitch = chooser.choice((110, 120, 130, 145, 160))
            frames += _syllable(pitch, chooser.choice((140, 180, 220, 260)))
        frames += _silence(chooser.choice((60, 90, 120, 400)))  # between words, or phrases
    return bytes(frames[:wanted])


def write_recording(media_dir: Path, recording_sid: str, seconds: int) -> Path:
    """Write the message a caller left as `recording_sid`; its path. Written whole under
    another name first, so voiceapp never serves half a file."""
    path = local_file(media_dir, recording_sid)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".wav")
    try:
        with os.fdopen(handle, "wb") as raw, wave.open(raw, "wb") as sound:
            sound.setnchannels(1)
            sound.setsampwidth(2)
            sound.setframerate(SAMPLE_RATE)
            sound.writeframes(speech_like(seconds, seed=recording_sid))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
