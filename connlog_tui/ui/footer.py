"""The key bar at the bottom of every screen, fitted to the terminal's width."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

# Below this many columns the key bar is compact and leaves out the command palette's key
# (the help screen lists it): at 80 columns the full bar cut `? Help` short.
NARROW = 100


class FittedFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        if narrow != self.compact:
            self.compact = narrow
            self.show_command_palette = not narrow
            self.refresh(recompose=True)
