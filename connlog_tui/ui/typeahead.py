"""Typing ahead: keys typed before the screen or the result they are for is there.

Keys that open a box or a screen are priority bindings: the app handles them before the
keys queued behind them, so keys typed in one burst (a paste, keystrokes an SSH link
delivered together) land where they were typed for, in order. `open_screen` returns once
the new screen has its focus; where a screen opens later (a worker's, a palette command's)
or the keys are for a filtered view not yet shown (Enter in the search field), the keys
are held here and handled, in order, once it is there.

`KeyHolder` is a component the app owns (`app.keys`): the app hands it each key first
(`keep`), tells it when Enter was pressed (`after_enter`), when a filter field sent its text
(`field_left`), when the palette closed (`palette_closed`) and when a filter's whole result
is shown (`result_shown`). It reaches the app only through public state and methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.command import CommandPalette
from textual.screen import Screen
from textual.timer import Timer

from connlog_tui.ui.fields import OrderedInput

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

# Enter in the command palette that left it open: the keys typed after it go on after this.
PALETTE_WAIT = 0.3
FILTER_WAIT = 5.0  # longest keys typed after Enter in a filter field wait for its result


class KeyHolder:
    def __init__(self, app: ConnlogApp) -> None:
        self.app = app
        self.held: list[events.Key] | None = None  # keys held while a screen opens
        self._release_on_result = False  # keys held after Enter in a filter field
        self._filter_hold: Timer | None = None  # its time limit, while they are held

    async def open_screen(self, screen: Screen, callback=None) -> None:
        """Push `screen` and return once it is mounted and its focus set (its AUTO_FOCUS,
        set as it composes): called from a priority key's action, the keys queued behind
        that key are then sent to the new screen's focused widget, in order."""
        app = self.app
        await app.push_screen(screen, callback)
        if screen.focused is None:  # AUTO_FOCUS is skipped while the terminal is unfocused
            wanted = screen.query(screen.AUTO_FOCUS or app.AUTO_FOCUS or "*")
            screen.set_focus(next((w for w in wanted if w.focusable), None))

    def keep(self, key: events.Key) -> bool:
        """Hold `key` if keys are being held (then the app does not handle it now)."""
        if self.held is None:
            return False
        self.held.append(key)
        return True

    def after_enter(self):
        """For Enter, before the app handles it: what to do once it has (hold the keys
        after it), or None."""
        app = self.app
        if isinstance(app.screen, CommandPalette):
            return self._hold_for_palette
        focused = app.focused
        if isinstance(focused, OrderedInput) and focused.then_focus is not None:
            return self._hold_for_filter
        return None

    def hold(self) -> None:
        """Keep keys from here on until release: for a screen opened later (by a worker,
        or a palette command), which the keys typed meanwhile are meant for."""
        if self.held is None:
            self.held = []

    async def release(self) -> None:
        """Handle the held keys, in order, as if they arrived now. Runs on the app's
        message loop, so keys arriving meanwhile queue behind them."""
        held, self.held = self.held or [], None
        for at, key in enumerate(held):
            if self.held is not None:  # a held key opened a screen by a worker
                self.held.extend(held[at:])
                return
            await self.app.on_event(key)

    def _hold_for_palette(self) -> None:
        """Enter in the palette may run a command that opens a screen (Save view): the
        keys typed after it wait for that. Released once the palette closes, behind the
        command it runs; or, if Enter left it open (it only highlighted a match), soon."""
        self.hold()
        # The palette's own timer: it ends with the palette (palette_closed releases then).
        self.app.screen.set_timer(PALETTE_WAIT, self._release_if_palette_open)

    def _release_if_palette_open(self) -> None:
        stack = self.app.screen_stack  # empty once the app has closed its screens
        if stack and isinstance(stack[-1], CommandPalette) and self.held is not None:
            self.app.call_later(self.release)

    def palette_closed(self) -> None:
        if self.held is not None:
            # The palette queued its command before this runs: release after it.
            self.app.call_later(self.release)

    def _hold_for_filter(self) -> None:
        """Enter in the search or user field: the keys typed after it (`/abc<Enter>e`)
        are for the filtered view, so they wait until the field has sent its text and that
        filter's result is in (or FILTER_WAIT has passed, so a failed run cannot keep them)."""
        self.hold()
        self._filter_hold = self.app.set_timer(FILTER_WAIT, self._end_filter_hold)

    def field_left(self) -> None:
        """The search or user field sent its text: release now if its result is in."""
        if self._filter_hold is None:
            return
        if self.app.result_state is self.app.state:
            self._end_filter_hold()
        else:
            self._release_on_result = True

    def result_shown(self) -> None:
        """The current filters' whole result is shown."""
        if self._release_on_result:
            self._end_filter_hold()

    def _end_filter_hold(self) -> None:
        """Release the keys held by _hold_for_filter, once (not keys held since for a
        screen that opens later)."""
        if self._filter_hold is None:
            return
        self._filter_hold.stop()
        self._filter_hold = None
        self._release_on_result = False
        self.app.call_later(self.release)
