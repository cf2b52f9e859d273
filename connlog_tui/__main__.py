from connlog_tui.cli import main

raise SystemExit(main())
