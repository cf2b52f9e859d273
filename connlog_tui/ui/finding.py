"""n / N: the next / previous row matching the search, the whole view kept (a mixin of
ui/verbs.Verbs)."""

from __future__ import annotations

import re
from dataclasses import replace

import polars as pl
from textual import work

from connlog_tui import query
from connlog_tui.query import FilterState
from connlog_tui.ui import messages as msg
from connlog_tui.ui.detail import match_pattern
from connlog_tui.ui.verb_base import VerbBase


class FindVerbs(VerbBase):
    """n / N's search and its matches in the view (None until found)."""

    find: FilterState | None  # the search n / N step through, off the view
    find_matches: pl.Series | None

    def payload_pattern(self) -> re.Pattern[str] | None:
        """The search whose matches the payload view draws: n / N's, else the view's."""
        search = self.find or self.owner.state
        return match_pattern(search.search, search.regex)

    def action_next_match(self, step: int) -> None:
        """n / N: the next / previous row matching the search. A search that filters the
        view becomes one that only moves the cursor: the whole view comes back."""
        state, paged = self.owner.state, self.owner.paged_log
        if paged is None and not self._loaded_frame("n / N"):
            return
        selected = None
        if state.search or state.regex:
            self.find = FilterState(search=state.search, regex=state.regex)
            self.find_matches = None
            selected = self.owner.table.current_row  # found again in the whole view
            self.owner.apply_state(replace(state, search="", regex=""))
        if self.find is None:
            self.notify("No search: / to search, then n / N move between matches")
            return
        if paged is not None:
            self._step_paged(paged, self.find, step, "matches of the search", selected)
            return
        if self.find_matches is None:
            self._find(self.find, step)
            return
        self._step_to(self.find_matches, step, "matches of the search")

    def forget_find(self) -> None:
        """n / N follow the filters' search again (it changed, or x cleared it): the one
        they stepped through goes, and its matches' highlights."""
        self.find = self.find_matches = None
        self.owner.table.show_matched(None)

    @work(thread=True, exclusive=True, group="find")
    def _find(self, find: FilterState, step: int) -> None:
        frame = self.owner.frame
        if frame is None:
            return
        matched = query.run(
            frame,
            find,
            facets=(),
            payloads=self.owner.payloads,
            folded=self.owner.folded,
        ).indices
        self.post_message(msg.MatchesFound(find, matched, step))

    def on_matches_found(self, message: msg.MatchesFound) -> None:
        find, matched, step = message.find, message.matched, message.step
        if find is self.find:
            self.find_matches = matched.sort()
            self.owner.table.show_matched(self.find_matches)
            self.owner.note_status()
            self._step_to(matched, step, "matches of the search")
