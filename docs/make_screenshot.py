"""Regenerate docs/screenshot.svg: the demo log, filtered to SSO failures, one opened.

python3 docs/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from textual.worker import WorkerCancelled

from connlog_tui.cli import browse_parser, options_from
from connlog_tui.ui.app import ConnlogApp

OUT = Path(__file__).with_name("screenshot.svg")


async def main() -> None:
    args = browse_parser().parse_args(
        ["--demo", "--action", "SSO Failed", "--app", "Workday (SAML)"]
    )
    app = ConnlogApp(options_from(args))
    async with app.run_test(size=(130, 42)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            with contextlib.suppress(WorkerCancelled):  # a newer run replaced it: wait again
                await app.workers.wait_for_complete()
            if app.result is not None and app.frame is not None and app.frame.height > 600:
                break
        await pilot.pause(0.5)
        app.save_screenshot(filename=OUT.name, path=str(OUT.parent))


if __name__ == "__main__":
    asyncio.run(main())
