"""The key bar at the bottom of every screen, fitted to the terminal's width."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Below this many columns the key bar is compact and leaves out the command palette's key
# (the help screen lists it): at 80 columns the full bar cut `? Help` short.
NARROW = 100
# The next-match and next-failure keys join the bar only from this width, where it still
# fits; below it, help and the palette list them.
WIDE = 120
WIDE_ONLY = frozenset({"next_match(1)", "next_failure(1)"})


class FittedFooter(Footer):
    wide = False

    def compose(self) -> ComposeResult:
        shown = 0
        for widget in super().compose():
            if not self.wide and isinstance(widget, FooterKey) and widget.action in WIDE_ONLY:
                continue
            shown += 1
            yield widget
        if shown:
            self.styles.grid_size_columns = shown

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        wide = event.size.width >= WIDE
        if narrow != self.compact or wide != self.wide:
            self.compact = narrow
            self.wide = wide
            self.show_command_palette = not narrow
            self.refresh(recompose=True)
