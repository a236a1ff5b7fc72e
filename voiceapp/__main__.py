from voiceapp.cli import main

raise SystemExit(main())
