"""How the components' thread workers end a step: one home for what they all do.

A step's job returns the message that hands its result to the UI thread (ui/messages.py);
`post_outcome` posts it, or, if the job raised, says so: a `Stale` job (cancelled by a newer
run, or its filters no longer the app's) posts nothing, a `ConnlogError` posts `Failed`
(one line, never a traceback). `run_query` starts such a step on a paged log: it says what
runs (`Running`, for the status bar) and that it ended, whatever the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.ui import messages as msg

if TYPE_CHECKING:
    from connlog_tui.query import FilterState
    from connlog_tui.ui.app import ConnlogApp

StaleTest = Callable[[], bool]  # true once a step's result would be dropped


def stale_test(app: ConnlogApp, state: FilterState) -> StaleTest:
    """On a worker's thread: a test that is true once this worker is cancelled or `state`
    is no longer the app's filter state (its result would be dropped)."""
    worker = get_current_worker()

    def stale() -> bool:
        return worker.is_cancelled or state is not app.state

    return stale


def post_outcome(
    to: Widget, job: Callable[[], Message | None], *, ended: Message | None = None
) -> None:
    """On a worker's thread: run `job` and post the message it returns (None: nothing to
    post) to `to`; `Stale` posts nothing, a `ConnlogError` posts `Failed`. `ended` (the
    end of a `Running` or progress note) is posted before either, whatever happened."""
    try:
        found = job()
    except Stale:
        return
    except ConnlogError as exc:
        to.post_message(msg.Failed(str(exc)))
        return
    finally:
        if ended is not None:
            to.post_message(ended)
    if found is not None:
        to.post_message(found)


def run_query(
    app: ConnlogApp, to: Widget, what: str, group: str, job: Callable[[StaleTest], Message]
) -> None:
    """On the UI thread: `job(stale)` on a thread worker of `to`'s (a newer one of `group`
    cancels it), for the app's current filter state, its message posted to `to`. The status
    bar says `what` runs from now until it ends (`Running`)."""
    state = app.state

    def run() -> None:
        stale = stale_test(app, state)
        post_outcome(to, lambda: job(stale), ended=msg.Running(what, None))

    to.post_message(msg.Running(what, time.monotonic()))
    to.run_worker(run, thread=True, exclusive=True, group=group)
