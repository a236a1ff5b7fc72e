"""The `voiceapp` command's entry point (and `python -m voiceapp`'s).

Loading the app takes about a second before `cli.main` can catch anything. Ctrl-C in that
second ends the command as it does later (cli.main): quietly, with status 130, rather
than with a traceback from deep inside an import.
"""

from __future__ import annotations

# What a shell reports for a command stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


def run() -> int:
    try:
        from voiceapp.cli import main  # inside the try: see above
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return main()
