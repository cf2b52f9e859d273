"""`H`: the timeline strip, the view's rows over time, failures apart; enter on a bar
narrows the dates to it and `W` widens them back (a mixin of ui/verbs.Verbs, and the
strip)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from connlog_tui import counts
from connlog_tui import timezones as tz
from connlog_tui.query import FilterState
from connlog_tui.ui import messages as msg
from connlog_tui.ui.verb_base import VerbBase
from connlog_tui.ui.workers import post_outcome

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[int], top: int) -> str:
    """One block character a value, scaled to `top` (any value > 0 shows at least ▁)."""
    if top <= 0:
        return " " * len(values)
    steps = len(BLOCKS) - 1
    return "".join(BLOCKS[max(1, round(v / top * steps)) if v else 0] for v in values)


class TimelineStrip(Widget, can_focus=True):
    """The view's rows over time: the `all` line counts every row, the `fail` line the
    failures (distinct by their own line, not only by colour); `▲` marks the cursor's
    bucket and `┬` the bar picked with ← →. Enter asks to narrow the dates to it."""

    DEFAULT_CSS = """
    TimelineStrip { height: 4; border-top: solid $panel-lighten-2; }
    TimelineStrip:focus { border-top: solid $accent; }
    """
    BINDINGS = [
        Binding("left", "pick(-1)", "Earlier", show=False),
        Binding("right", "pick(1)", "Later", show=False),
        Binding("enter", "narrow", "Narrow dates", show=False),
    ]
    LABEL = 5

    class Narrow(Message):
        def __init__(self, since, until) -> None:
            self.since, self.until = since, until
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.line: counts.Timeline | None = None
        self.zone = "UTC"  # the display zone its range is labelled in
        self.cursor_bar: int | None = None
        self.picked: int | None = None

    def show(self, line: counts.Timeline, cursor_time=None, zone: str | None = None) -> None:
        """Draw `line`, the bar of `cursor_time` marked, its range labelled in `zone` (None:
        the zone it had)."""
        self.line = line
        self.zone = zone or self.zone
        self.cursor_bar = line.bucket_of(cursor_time) if cursor_time is not None else None
        if self.picked is not None and self.picked >= line.bars.height:
            self.picked = None
        self.refresh()

    def bars_width(self) -> int:
        return max(10, self.size.width - self.LABEL)

    def render(self) -> Text:
        line = self.line
        if line is None or line.bars.is_empty():
            return Text("timeline: no rows")
        bars = line.bars
        failures, others = bars["failures"].to_list(), bars["others"].to_list()
        totals = [f + o for f, o in zip(failures, others, strict=True)]
        top = max(totals)
        marks_line = [" "] * len(totals)
        if self.cursor_bar is not None:
            marks_line[self.cursor_bar] = "▲"
        if self.picked is not None:
            marks_line[self.picked] = "┬" if self.picked != self.cursor_bar else "╋"
        start, end = bars["start"][0], bars["start"][-1] + line.every
        text = Text()
        text.append("all  ")
        text.append(sparkline(totals, top) + "\n")
        text.append("fail ")
        text.append(sparkline(failures, top), style="bold red")
        text.append("\n     " + "".join(marks_line))
        since, until = (tz.format_time(t, self.zone, "%m-%d %H:%M") for t in (start, end))
        text.append(f"  {since} → {until} {tz.label(self.zone)}, {_every(line.every)} a bar")
        return text

    def action_pick(self, step: int) -> None:
        if self.line is None or self.line.bars.is_empty():
            return
        last = self.line.bars.height - 1
        start = self.picked if self.picked is not None else self.cursor_bar
        start = last if start is None else start
        self.picked = max(0, min(last, start + step))
        self.refresh()

    def action_narrow(self) -> None:
        if self.line is not None and self.picked is not None:
            self.post_message(self.Narrow(*self.line.range_of(self.picked)))


def _every(delta) -> str:
    seconds = int(delta.total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class TimelineVerbs(VerbBase):
    """The strip's contents for the view (counted in the frame, or through the seam on a
    thread for an archive) and the date range before it narrowed them."""

    widen_to: tuple | None  # the date range before the timeline narrowed it

    def action_toggle_timeline(self) -> None:
        strip = self.owner.query_one(TimelineStrip)
        strip.display = not strip.display
        if strip.display:
            self.call_after_refresh(self.refresh_timeline)  # once laid out: its width
            strip.focus()
        else:
            self.owner.table.focus()

    def refresh_timeline(self) -> None:
        strip = self.owner.query_one(TimelineStrip)
        if not strip.display:
            return
        paged = self.owner.paged_log
        if hasattr(paged, "timeline"):  # an archive: counted lazily, on a thread
            self._paged_timeline(
                paged, self.owner.state, strip.bars_width(), self.owner.table.current_row
            )
            return
        frame, result = self.owner.frame, self.owner.result
        if not self._loaded_frame("The timeline") or frame is None or result is None:
            return
        line = counts.timeline(frame, result.indices, strip.bars_width())
        row = self.owner.table.current_row
        self._show_timeline(line, frame["time"][row] if row is not None else None)

    def _show_timeline(self, line: counts.Timeline, cursor_time) -> None:
        strip = self.owner.query_one(TimelineStrip)
        strip.show(line, cursor_time, self.owner.zone)

    @work(thread=True, exclusive=True, group="timeline")
    def _paged_timeline(self, log, state: FilterState, bars: int, row: int | None) -> None:
        def job() -> msg.TimelineReady:
            line = log.timeline(state, bars)
            return msg.TimelineReady(line, log.row(row)["time"] if row is not None else None)

        post_outcome(self, job)

    def on_timeline_ready(self, message: msg.TimelineReady) -> None:
        self._show_timeline(message.line, message.cursor_time)

    def narrow(self, event: TimelineStrip.Narrow) -> None:
        """The timeline's picked bar (its Narrow message, which the app hands on)."""
        if self.widen_to is None:
            self.widen_to = (self.owner.state.since, self.owner.state.until)
        self.owner.apply_state(replace(self.owner.state, since=event.since, until=event.until))

    def action_widen_time(self) -> None:
        if self.widen_to is None:
            self.notify("The dates were not narrowed from the timeline")
            return
        since, until = self.widen_to
        self.widen_to = None
        self.owner.apply_state(replace(self.owner.state, since=since, until=until))
