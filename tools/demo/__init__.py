"""The demo data generator: `python -m tools.demo.generate` rewrites connlog_tui/data/."""
