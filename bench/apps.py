"""connlog, the Textual floors and lnav run in tmux (see terminal.py): first screens,
paging, an in-app search and the peak RSS of each."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared import DATA
from terminal import LONG_POLL, Tmux, capture_cost, has_data_row, key_to_frame, paging

# A redrawn page of the 200x50 table is ~10 KB of output; a status-bar tick ~0.3 KB.
PAGE_BYTES = 4000
STATUS_COUNT = re.compile(r"([\d,]+) of ([\d,]+) rows")
# lnav shows the raw CSV line (`2026-03-01T00:00:05Z,MangoApps,...`); its top lines hold a
# clock and a breadcrumb with timestamps, which must not count as rows.
LNAV_ROW = re.compile(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ,")
# A needle found in some payloads: the search reads every payload, then shows matches.
SEARCH_IN_APP = "AADSTS70008"


def connlog_command() -> list[str]:
    """The `connlog` script installed beside this Python. The one on PATH may be a
    version manager's shim (pyenv's is a shell script that runs `pyenv exec`, ~50 ms a
    start on this machine): that is the machine's set-up, not connlog's start-up."""
    beside = Path(sys.executable).with_name("connlog")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("connlog")
    return [found] if found else [sys.executable, "-m", "connlog_tui"]


def start_connlog(path: Path, flags: str, env: dict) -> Tmux:
    """`connlog FILE FLAGS` in a fresh tmux."""
    return Tmux(f"{' '.join(connlog_command())} '{path}'{flags}; sleep 600", env)


def open_connlog(path: Path, flags: str, env: dict, timeout: float) -> tuple[Tmux, dict]:
    """`connlog FILE FLAGS` in tmux, timed to its first screen of rows (`first_screen`)
    and to the status bar's full row count (`loaded`, None if it never came)."""
    term = start_connlog(path, flags, env)
    try:
        first = term.wait(has_data_row)
        loaded = term.wait(
            lambda s: " rows" in s and "Loading" not in s, timeout=timeout, pause=LONG_POLL
        )
    except BaseException:
        term.close()
        raise
    out = {"first_screen": first[0] if first else None, "loaded": loaded[0] if loaded else None}
    return term, out


def warm_page_cache(path: Path) -> None:
    """Read the file (or the directory's files) once, so the page cache holds it (as after
    generating it)."""
    for each in sorted(path.iterdir()) if path.is_dir() else [path]:
        with each.open("rb") as fh:
            while fh.read(64 << 20):
                pass


def compile_connlog() -> None:
    """Byte-compile connlog's modules, as pip does when it installs a wheel. An editable
    install compiles them at its first start and keeps the result, unless
    PYTHONDONTWRITEBYTECODE is set (as on this machine): then every start compiles them
    all again (~25 ms before the first screen), which no installed copy does."""
    import compileall

    import connlog_tui

    compileall.compile_dir(Path(connlog_tui.__file__).parent, quiet=1)


def first_screens(path: Path, env: dict, starts: int) -> dict:
    """`connlog FILE --no-cache` started `starts` times, each timed to its first screen of
    rows only. One start is at the mercy of what the steps before it left in the page
    cache (Textual's modules, unread since the previous tmux step) and of this VM's
    noise; the median of several is the figure."""
    command = f"{' '.join(connlog_command())} '{path}' --no-cache"
    return {"seconds": first_screen_times(command, env, starts)}


def first_screen_times(command: str, env: dict, starts: int) -> list[float]:
    """`command` started `starts` times in a fresh tmux, each timed to its first row."""
    times = []
    for _ in range(starts):
        term = Tmux(f"{command}; sleep 600", env)
        try:
            first = term.wait(has_data_row)
        finally:
            term.close()
        if first:
            times.append(first[0])
    return times


def connlog_lean_tmux(path: Path, env: dict, needle: str) -> dict:
    """`connlog FILE --lean` with an empty cache: the cold load streams into the cache;
    then a payload search typed into the search box, timed from Enter until the status
    bar shows the new count; then the process's peak RSS (VmHWM)."""
    lean_cache = DATA / "cache-lean"
    shutil.rmtree(lean_cache, ignore_errors=True)
    lean_env = dict(env, CONNLOG_CACHE_DIR=str(lean_cache))
    term, out = open_connlog(path, " --lean", lean_env, timeout=900)
    try:
        if out["loaded"] is None:
            return out
        time.sleep(2.0)
        out.update(search_in_app(term, needle))
    finally:
        term.close()
        shutil.rmtree(lean_cache, ignore_errors=True)
    return out


def search_in_app(term: Tmux, needle: str) -> dict:
    """A payload search typed into connlog's search box, timed from Enter until the status
    bar shows the new count; the peak RSS (VmHWM) then, and again once the background
    triage has finished."""
    out: dict = {}
    term.keys("/")
    term.keys("-l", needle)
    time.sleep(0.5)
    before = term.screen()
    t = time.perf_counter()
    term.keys("Enter")

    def narrowed(screen: str) -> bool:  # "11,396 of 1,000,000 rows": the new count
        found = STATUS_COUNT.search(screen)
        return screen != before and bool(found) and found[1] != found[2]

    # The newest matches show while the search runs ("searching… 8,120 of 1,000,000
    # rows so far"); the figure is the whole result's.
    first = term.wait(narrowed, timeout=300, pause=LONG_POLL)
    out["search_first"] = (time.perf_counter() - t) if first else None
    done = term.wait(lambda s: narrowed(s) and "so far" not in s, timeout=300, pause=LONG_POLL)
    out["search"] = (time.perf_counter() - t) if done else None
    if done:
        out["search_rows"] = STATUS_COUNT.search(done[1])[1]
    time.sleep(1.0)
    out["rss_search"] = term.peak_rss("connlog")
    # The background triage (diagnoses, then attempt linking) reads payloads too: the
    # peak counts until it has finished.
    t = time.perf_counter()
    settled = term.wait(
        lambda s: "diagnosing" not in s and "linking" not in s and " rows" in s,
        timeout=900,
        pause=0.5,
    )
    out["triage_seconds"] = (time.perf_counter() - t) if settled else None
    out["rss"] = term.peak_rss("connlog")
    out["rss_split"] = term.rss_split("connlog")
    return out


FLOOR_APP = """
from textual.app import App
from textual.widgets import Static
class Floor(App):
    n = 0
    def compose(self):
        yield Static("2026-01-01 00:00:00 0", id="s")
    def on_key(self, event):
        self.n += 1
        self.query_one("#s", Static).update(f"2026-01-01 00:00:00 {self.n}")
Floor().run()
"""
FIRST_SCREEN_APP = """
{imports}
from textual.app import App
from textual.widgets import Static
class Floor(App):
    def compose(self):
        yield Static("Date  Application  Action")
        yield Static("2026-01-01 00:00:00  Okta  SSO Failed")
Floor().run()
"""


def first_screen_floor(env: dict, starts: int) -> dict:
    """The first screen's floor, timed as connlog's is: a Textual app that shows one row
    as soon as it runs, alone and importing Polars first (connlog needs both before its
    first frame). The median of `starts` starts each."""
    out = {}
    for label, imports in (("textual", ""), ("textual_polars", "import polars")):
        script = DATA / f"floor_{label}.py"
        script.write_text(FIRST_SCREEN_APP.format(imports=imports))
        try:
            times = first_screen_times(f"{sys.executable} {script}", env, starts)
        finally:
            script.unlink(missing_ok=True)
        out[label] = statistics.median(times) if times else None
    return out


def textual_floor(env: dict, reps: int) -> dict:
    """The same key-to-frame measurement on a one-widget Textual app that redraws one
    line per key: what tmux, capture-pane and Textual itself cost, before connlog."""
    script = DATA / "floor_app.py"
    script.write_text(FLOOR_APP)
    term = Tmux(f"{sys.executable} {script}; sleep 600", env)
    try:
        term.wait(has_data_row, timeout=30)
        time.sleep(1.0)
        out = paging(term, reps)
        pages = [key_to_frame(term, "PageDown") for _ in range(reps)]
        pages = [p for p in pages if p is not None]
        if pages:
            out["capture_median"] = statistics.median(pages)
            out["capture_max"] = max(pages)
        return out
    finally:
        term.close()
        script.unlink(missing_ok=True)


def connlog_tmux(path: Path, env: dict, reps: int, cached: bool) -> dict:
    flags = " --in-memory" if cached else " --in-memory --no-cache"
    term, out = open_connlog(path, flags, env, timeout=600)
    try:
        if not cached or out["loaded"] is None:
            time.sleep(1.0)
            out["rss"] = term.peak_rss("connlog")  # a first open's peak: the parse's
            return out
        time.sleep(1.0)
        out["capture_seconds"] = capture_cost(term)
        key_to_frame(term, "g")  # the first row, away from the end
        time.sleep(0.3)
        out.update(paging(term, reps, min_bytes=PAGE_BYTES))
        pages = []
        for _ in range(reps):
            took = key_to_frame(term, "PageDown")
            if took is not None:
                pages.append(took)
            time.sleep(0.05)
        if pages:
            out["capture_median"] = statistics.median(pages)
            out["capture_max"] = max(pages)
        time.sleep(1.0)
        out["rss_paging"] = term.peak_rss("connlog")
        # Filtering includes a payload search: on a mapped frame it reads every payload.
        searched = search_in_app(term, SEARCH_IN_APP)
        out["rss"] = searched.pop("rss")
        out.update(searched)
    finally:
        term.close()
    return out


def ensure_lnav() -> str | None:
    if shutil.which("lnav"):
        return None
    try:
        subprocess.run(["apt-get", "update"], capture_output=True, timeout=600, check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "lnav"],
            capture_output=True,
            timeout=900,
            check=True,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return f"lnav could not be installed ({exc})"
    return None if shutil.which("lnav") else "lnav not installed"


def lnav_tmux(path: Path, env: dict, needle: str) -> dict:
    home = Path(tempfile.mkdtemp(prefix="lnav-home-", dir=DATA))
    term = Tmux(f"lnav '{path}'; sleep 600", dict(env, HOME=str(home)))
    out: dict = {}
    try:
        first = term.wait(lambda s: bool(LNAV_ROW.search(s)), timeout=300, pause=LONG_POLL)
        out["first_screen"] = first[0] if first else None
        if first is None:
            out["screen"] = term.screen()[-2000:]
            return out

        # Let indexing finish: the screen (but its clock line) unchanged for 2 s.
        def body() -> list[str]:
            return term.screen().splitlines()[1:]

        last, since = body(), time.perf_counter()
        deadline = time.perf_counter() + 300
        while time.perf_counter() < deadline and time.perf_counter() - since < 2.0:
            time.sleep(0.1)
            now = body()
            if now != last:
                last, since = now, time.perf_counter()
        out["indexed"] = since - term.started
        term.keys("-l", f":filter-in {needle}")
        time.sleep(0.3)
        t = time.perf_counter()
        term.keys("Enter")

        def filtered(screen: str) -> bool:
            rows = [line for line in screen.splitlines() if LNAV_ROW.search(line)]
            return bool(rows) and all(needle in line for line in rows)

        done = term.wait(filtered, timeout=300, pause=LONG_POLL)
        out["filter_in"] = (time.perf_counter() - t) if done else None
        out["rss"] = term.peak_rss("lnav")
    finally:
        term.close()
        shutil.rmtree(home, ignore_errors=True)
    return out
