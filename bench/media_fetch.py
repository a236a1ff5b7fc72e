"""GET /media in-process: what one carrier fetch of the hold music costs voiceapp.

`python3 -m bench.media_fetch [N]` serves a 30-second hold-music WAV (8 kHz, 16-bit mono,
480 kB, as `prompts render` makes it) through the app over ASGI, no server and no
database, and prints the best of 3 rounds of N GETs: the whole file, as carriers fetch
it, and a first 64 kB byte range, as a player that seeks asks. Run it in a worktree of
another commit to compare.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import wave
from pathlib import Path

import httpx

from voiceapp.app import create_app
from voiceapp.core.settings import load_settings

PUBLIC_URL = "https://voice.example.test"
HOLD_MUSIC = "hold/music.wav"


def write_hold_music(media_dir: Path, seconds: int = 30) -> None:
    (media_dir / HOLD_MUSIC).parent.mkdir(parents=True)
    with wave.open(str(media_dir / HOLD_MUSIC), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes(8000 * 2 * seconds))


async def best_milliseconds(client: httpx.AsyncClient, headers: dict[str, str], n: int) -> float:
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            response = await client.get(f"/media/{HOLD_MUSIC}", headers=headers)
            if response.status_code not in (200, 206):
                raise SystemExit(f"GET /media/{HOLD_MUSIC} answered {response.status_code}")
        rounds.append((time.perf_counter() - start) / n * 1000)
    return min(rounds)


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="voiceapp-media-") as directory:
        write_hold_music(Path(directory))
        settings = load_settings(
            {
                "VOICEAPP_DATABASE_URL": f"sqlite://{directory}/unused.sqlite3",
                "TWILIO_AUTH_TOKEN": "bench",
                "VOICEAPP_PUBLIC_URL": PUBLIC_URL,
                "VOICEAPP_MEDIA_MODE": "say",
                "VOICEAPP_MEDIA_DIR": directory,
            }
        )
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            await best_milliseconds(client, {}, 20)  # warm up
            requests = [("whole file", {}), ("bytes 0-65535", {"Range": "bytes=0-65535"})]
            for name, headers in requests:
                milliseconds = await best_milliseconds(client, headers, n)
                print(f"{name}: {milliseconds:.3f} ms per GET (best of 3 rounds of {n})")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
