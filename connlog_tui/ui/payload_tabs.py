"""The detail panel's payload tabs: the selected row's Response, Request and login Attempt,
a text area each. Their own module because the panel mounts them just after the app's first
frame (ui/detail.py), and imports this only then: Textual's text area and tabs are imported
with them rather than before the first screen."""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import TabbedContent, TabPane, TextArea

# A search's matches in a payload: reversed shows without colour too.
MATCH_STYLE = "reverse bold"
TABS = ("tab-response", "tab-request", "tab-attempt")


class PayloadArea(TextArea):
    """A payload's text; the search's matches drawn as styled spans of it, so the log's
    text is never read as markup."""

    pattern: re.Pattern[str] | None = None

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        if self.pattern is not None:
            line.highlight_regex(self.pattern, style=MATCH_STYLE)
        return line


class PayloadTabs(TabbedContent):
    """The selected row's Response, Request and login Attempt, a text area each."""

    def __init__(self) -> None:
        super().__init__(id="payload-tabs")
        for title, name in (
            ("Response", "response"),
            ("Request", "request"),
            ("Attempt", "attempt"),
        ):
            kind = TextArea if name == "attempt" else PayloadArea
            area = kind(id=name, read_only=True, soft_wrap=True)
            self.compose_add_child(TabPane(title, area, id=f"tab-{name}"))

    def area(self, name: str) -> TextArea:
        """The text area of `name` (response, request or attempt)."""
        return self.query_one(f"#{name}", TextArea)

    def payload(self, name: str) -> PayloadArea:
        """The payload area of `name` (response or request)."""
        return self.query_one(f"#{name}", PayloadArea)

    def visible_area(self) -> TextArea:
        """The text area on the active tab."""
        return self.area((self.active or TABS[0]).removeprefix("tab-"))

    def switch(self, step: int) -> None:
        """Response → Request → Attempt, round, `step` tabs on."""
        active = self.active or TABS[0]
        self.active = TABS[(TABS.index(active) + step) % len(TABS)]
