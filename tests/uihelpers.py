from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from textual.worker import WorkerCancelled

from connlog_tui.options import Options
from connlog_tui.ui.app import ConnlogApp
from connlog_tui.ui.filters import FacetPane


def make_app(paths: Iterable[str], **filters) -> ConnlogApp:
    # Relative paths: the source column shows them, and snapshots must not depend on
    # where the checkout lives.
    options = Options(
        paths=[os.path.relpath(p) for p in paths],
        format=None,
        mappings={},
        picked=filters.pop("picked", {}),
        user=filters.pop("user", ""),
        since=filters.pop("since", None),
        until=filters.pop("until", None),
        search=filters.pop("search", ""),
    )
    assert not filters, f"unknown filters {filters}"
    return ConnlogApp(options)


def facets_filled(app) -> bool:
    """The facet panes the load mounts have their options, and those on screen have laid
    them out (a pane laid out before its options were in stayed two lines tall: see
    FacetPane.__init__). Panes hidden in a narrow terminal have no size."""
    return all(
        pane.is_mounted
        and pane.option_count == len(pane._choices)
        and (pane.size.height == 0 or pane.virtual_size.height >= pane.option_count)
        for pane in app.query(FacetPane)
    )


async def settle(pilot) -> None:
    """Wait until loading and filtering workers are done and their results are shown."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # a newer run replaced it: wait again
            await app.workers.wait_for_complete()
        await pilot.pause()
        if (
            app.result is not None
            and not any(w.is_running for w in app.workers)
            and facets_filled(app)
        ):
            await pilot.pause(0.1)  # the detail panel follows the cursor after a short rest
            return
    raise AssertionError("the app never settled")


def on_first_frame(monkeypatch, app: ConnlogApp, probe) -> list:
    """A list that gets what `probe()` returns when the app writes its first frame."""
    seen: list = []
    real_display = type(app)._display

    def display(self, screen, renderable):
        if renderable is not None and not seen:
            seen.append(probe())
        return real_display(self, screen, renderable)

    monkeypatch.setattr(type(app), "_display", display)
    return seen


async def burst(pilot, *keys: str) -> None:
    """Send keys the way a paste or a slow SSH link delivers them: all queued at once,
    before the app has handled the first (Pilot's `press` waits after each key). Each
    argument is a key name (`enter`, `ctrl+p`, `pagedown`) or text typed in order."""
    from textual import events
    from textual.keys import Keys, _character_to_key

    names = {k.value for k in Keys} | {"space"}
    driver = pilot.app._driver
    for key in keys:
        for name in [key] if key in names else list(key):
            char = name if len(name) == 1 else (" " if name == "space" else None)
            if len(name) == 1 and not name.isalnum():
                name = _character_to_key(name)
            event = events.Key(name, char)
            event.set_sender(pilot.app)
            driver.send_message(event)
    await pilot.pause()
