from voiceapp.console import run

raise SystemExit(run())
