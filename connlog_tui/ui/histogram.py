"""The triage screen's histogram: failures against successes per application over time,
one bar a time slot, the slots fitted to the width."""

from __future__ import annotations

import math
from datetime import datetime
from typing import cast

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from connlog_tui.textsafe import one_line
from connlog_tui.timezones import format_time
from connlog_tui.triage import histogram

BARS = "▁▂▃▄▅▆▇█"
LABEL_MAX = 22  # application names in the histogram are cut to this many cells


def cut(text: str, width: int) -> str:
    """At most `width` cells, marking a cut with an ellipsis (no padding)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return text


def span_text(seconds: float) -> str:
    """A bucket's width for people: 45 s, 12 min, 4 h 12 min, 2 days 3 h."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"


def bar(count: int, top: int) -> str:
    """The block character for `count` on a square-root scale whose top is `top` (at
    least ▁ for any count): one spike must not flatten every other slot to nothing."""
    if count <= 0 or top <= 0:
        return " "
    level = max(1, math.ceil(len(BARS) * math.sqrt(count / top)))
    return BARS[min(level, len(BARS)) - 1]


class FailureHistogram(Widget):
    """One line per application: a column per time slot, red where the slot has
    failures (height: how many), green where it has only successes (height: how many),
    with the application's failure and success totals at the end. The slots are as many
    as the width allows; the histogram is recomputed when the width changes."""

    COMPONENT_CLASSES = {
        "failure-histogram--failure",
        "failure-histogram--success",
        "failure-histogram--muted",
    }
    DEFAULT_CSS = """
    FailureHistogram { height: auto; max-height: 45%; padding: 0 1; }
    FailureHistogram > .failure-histogram--failure { color: $error; }
    FailureHistogram > .failure-histogram--success { color: $success; }
    FailureHistogram > .failure-histogram--muted { color: $text-muted; }
    """

    def __init__(
        self, view: pl.DataFrame, zone: str = "UTC", *, successes: bool = True, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.view = view
        # False: the view holds the failures only (a paged log's), so no success is shown.
        self.successes = successes
        self.zone = zone
        self._apps: list[str] = []
        self._failing: set[str] = set()  # the applications with failures
        self._cache: tuple[int, pl.DataFrame] | None = None
        if view.height:
            totals = (
                view.select(
                    pl.col("app").cast(pl.String).fill_null("(no application)"),
                    pl.col("outcome").cast(pl.String),
                )
                .group_by("app")
                .agg(
                    (pl.col("outcome") == "failure").sum().alias("f"),
                    (pl.col("outcome") == "success").sum().alias("s"),
                )
                .sort(["f", "s", "app"], descending=[True, True, False])
            )
            self._apps = totals["app"].to_list()
            self._failing = set(totals.filter(pl.col("f") > 0)["app"])

    def get_content_height(self, container, viewport, width: int) -> int:
        return 2 + len(self._apps) if self._apps else 2

    def _label_width(self, width: int) -> int:
        longest = max((cell_len(one_line(a)) for a in self._apps), default=4)
        return min(longest, LABEL_MAX, max(10, width // 5))

    def _total_widths(self) -> tuple[int, int]:
        """Widths of the failure and success totals (each with its leading space)."""
        totals = self.view.group_by(pl.col("app").cast(pl.String)).agg(
            (pl.col("outcome") == "failure").sum().alias("f"),
            (pl.col("outcome") == "success").sum().alias("s"),
        )
        fails = len(str(totals["f"].max() or 0))
        oks = len(str(totals["s"].max() or 0))
        return 1 + max(4, fails), (1 + max(2, oks)) if self.successes else 0

    def slots(self, width: int) -> int:
        """How many time slots fit on a line of `width` cells."""
        fails, oks = self._total_widths()
        return max(1, width - self._label_width(width) - 1 - fails - oks)

    def data(self, slots: int) -> pl.DataFrame:
        if self._cache is None or self._cache[0] != slots:
            self._cache = (slots, histogram(self.view, slots))
        return self._cache[1]

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        muted = self.get_component_rich_style("failure-histogram--muted")
        red = self.get_component_rich_style("failure-histogram--failure")
        green = self.get_component_rich_style("failure-histogram--success")
        title = Text()
        title.append("Failures ", Style(bold=True))
        title.append("▇", red)
        if self.successes:
            title.append(" against successes ", Style(bold=True))
            title.append("▇", green)
        title.append(" per application", Style(bold=True))
        if not self._apps or width < 20:
            title.append("  no events in the current view", muted)
            return title
        slots = self.slots(width)
        data = self.data(slots)
        first = data.row(0, named=True)
        slot_seconds = (first["end"] - first["start"]).total_seconds()
        title.append(f"  one column = {span_text(slot_seconds)}", muted)
        label_width = self._label_width(width)
        fail_width, ok_width = self._total_widths()
        top = int(data.select(pl.max_horizontal("failures", "successes").max()).item() or 0)
        rows_left = max(1, height - 2)
        apps = self._apps
        if len(apps) > rows_left:
            apps = apps[: rows_left - 1]
        by_app = data.partition_by("app", as_dict=True, maintain_order=True)
        lines = [title]
        for app in apps:
            part = by_app.get((app,))
            line = Text(set_cell_size(cut(one_line(app), label_width), label_width) + " ")
            fails = oks = 0
            if part is not None:
                for f, s in part.select("failures", "successes").iter_rows():
                    fails, oks = fails + f, oks + s
                    if f:
                        line.append(bar(f, top), red)
                    elif s:
                        line.append(bar(s, top), green)
                    else:
                        line.append("·", muted)
            line.append(str(fails).rjust(fail_width), red)
            if self.successes:
                line.append(str(oks).rjust(ok_width), green)
            lines.append(line)
        hidden = self._apps[len(apps) :]
        if hidden:
            lines.append(Text(self._more(hidden), muted))
        lines.append(self._axis(data, label_width, slots, fail_width, ok_width))
        return Text("\n").join(lines)

    def _more(self, hidden: list[str]) -> str:
        """The applications left out, those with failures counted apart (the title
        counts only those): "… 3 more with failures, 33 without"."""
        failing = sum(1 for app in hidden if app in self._failing)
        others = len(hidden) - failing
        if not failing:
            return f"… {others} more application{'s' if others != 1 else ''}, none with failures"
        text = f"… {failing} more application{'s' if failing != 1 else ''} with failures"
        return text + (f", {others} without" if others else "")

    def _axis(
        self, data: pl.DataFrame, label_width: int, slots: int, fail_width: int, ok_width: int
    ) -> Text:
        """The times of the first slot's start and the last slot's end, under the bars,
        and the names of the two totals."""
        # Datetime columns: their bounds are datetimes.
        start = cast(datetime, data["start"].min())
        end = cast(datetime, data["end"].max())
        fmt = "%m-%d %H:%M" if start.year == end.year else "%Y-%m-%d %H:%M"
        left = format_time(start, self.zone, fmt)
        right = format_time(end, self.zone, fmt)
        gap = slots - cell_len(left) - cell_len(right)
        body = f"{left}{' ' * gap}{right}" if gap >= 1 else set_cell_size(left, slots)
        text = Text(
            " " * (label_width + 1) + body,
            self.get_component_rich_style("failure-histogram--muted"),
        )
        text.append(
            "fail".rjust(fail_width), self.get_component_rich_style("failure-histogram--failure")
        )
        if ok_width:
            text.append(
                "ok".rjust(ok_width), self.get_component_rich_style("failure-histogram--success")
            )
        return text
