"""connlog benchmark: one command generates a log, measures every figure of issue 3
against raw Polars and lnav, prints figure | measured | target | pass, writes JSON.

    python bench/run.py --rows 1000000            # the issue's 1M-row / ~2.7 GB run
    python bench/run.py --rows 10000000           # 10M rows, smaller payloads
    python bench/run.py --rows 100000 --quick     # a smoke run

Heavy steps run in subprocesses (`--worker NAME`), so each one's peak RSS is its own.
Never run by pytest or CI. See bench/README.md for what each figure measures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# The environment this script was started with: the programs measured get what a user's
# shell would give them, not what this process's imports added (importing Polars, here or
# in gen.py, puts its allocator's default `_RJEM_MALLOC_CONF` into os.environ, which
# `connlog --lean` once kept instead of its own setting: the lean app peaked ~40% higher).
SHELL_ENV = dict(os.environ)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

EXPORT_APP = "Okta"  # ~10% of rows: the ~100k-row filtered view at 1M rows
EXPORT_ACTION = "SSO Failed"  # issue 25's one-shot export: ~6% of rows
DATA_ROW = re.compile(r"20\d\d-\d\d-\d\d[T ]\d\d:\d\d:\d\d")
# lnav shows the raw CSV line (`2026-03-01T00:00:05Z,MangoApps,...`); its top lines hold a
# clock and a breadcrumb with timestamps, which must not count as rows.
# A redrawn page of the 200x50 table is ~10 KB of output; a status-bar tick ~0.3 KB.
PAGE_BYTES = 4000
POLL_PAUSE = 0.003  # seconds between capture-pane polls (see Tmux.wait)
LONG_POLL = 0.02  # between polls while waiting seconds (a load, a search, triage)
STATUS_COUNT = re.compile(r"([\d,]+) of ([\d,]+) rows")
# A search miss of letters only: nothing in it lets a literal scan go first.
LETTERS_MISS = "zqnosuchx"
LNAV_ROW = re.compile(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ,")


def maxrss_bytes() -> int:
    """This process's peak RSS: VmHWM where Linux gives it. Not `ru_maxrss`: a child
    started by fork (or vfork) and exec keeps its parent's peak in it, so every worker
    reported at least the benchmark's own peak (its data generation's, when it made the
    log in the same run)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_state() -> dict[str, int]:
    """MemTotal, MemAvailable and Cached (bytes) now: a run that starts with the page
    cache full of other big files (just after the 10M run) had its full-load ratio and
    search disturbed, and this tells such a run apart."""
    found = {}
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            if key in ("MemTotal", "MemAvailable", "Cached"):
                found[key] = int(value.split()[0]) * 1024
    return found


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# -- workers (each in its own process) ---------------------------------------------------


def worker(name: str, path: str, reps: int) -> dict:
    import polars as pl

    from connlog_tui.schema import HEADERS

    if name == "polars_read":
        t = time.perf_counter()
        frame = polars_read_all(path)
        return {"seconds": time.perf_counter() - t, "rss": maxrss_bytes(), "rows": frame.height}
    if name == "polars_export":  # what a user would write: read, filter, write (one shot)
        t = time.perf_counter()
        view = polars_read_all(path).filter(pl.col(HEADERS["action"]) == EXPORT_ACTION)
        out = DATA / f"polars-export-{os.getpid()}.csv"
        view.write_csv(out)
        seconds = time.perf_counter() - t
        out.unlink()
        return {"seconds": seconds, "rows": view.height}

    from connlog_tui import cache, sources

    if name == "connlog_cold":
        t = time.perf_counter()
        loaded = sources.load([path], use_cache=False)
        rows = loaded.frame.height
        return {"seconds": time.perf_counter() - t, "rss": maxrss_bytes(), "rows": rows}
    if name == "connlog_prime":  # cold load with an empty cache: returns, then writes it
        t = time.perf_counter()
        loaded = sources.load([path])
        returned = time.perf_counter() - t
        cache.wait()
        written = time.perf_counter() - t
        return {
            "seconds": returned,
            "with_write": written,
            "rss": maxrss_bytes(),
            "cache_bytes": sum(n for _, _, n in cache.entries()),
            "writes": cache.stats.writes,
            "rows": loaded.frame.height,
        }
    if name == "entry_read":  # the reopen's floor: the cache entry mapped, and nothing else
        key = cache.entries()[-1][0]  # the one the prime run wrote
        files = cache.part_paths(cache.entry_dir(key))
        t = time.perf_counter()
        frame = cache.read_frame(files)
        mapped = time.perf_counter() - t
        out = {"seconds": mapped, "rows": frame.height, "arrow": cache.is_arrow(files)}
        del frame
        if cache.is_arrow(files):  # what mapping saves: Polars reading the file by copying
            t = time.perf_counter()
            copied = pl.read_ipc(files[0])
            out["copied_seconds"] = time.perf_counter() - t
            del copied
        return out
    if name == "connlog_reopen":
        t = time.perf_counter()
        loaded = sources.load([path])
        seconds = time.perf_counter() - t
        return {
            "seconds": seconds,
            "rss": maxrss_bytes(),
            "hits": cache.stats.hits,
            "rows": loaded.frame.height,
        }
    if name == "first_open":
        return first_open(path)
    if name == "queries":
        return queries(path, reps)
    if name == "connlog_lean":
        return lean_queries(path, reps)
    raise SystemExit(f"unknown worker {name}")


def polars_read_all(path: str):
    """Polars' own read of the log: the file, or each file of a directory (CSV or JSON
    Lines) concatenated."""
    import polars as pl

    if not Path(path).is_dir():
        return pl.read_csv(path)
    frames = [
        pl.read_ndjson(p) if p.suffix == ".jsonl" else pl.read_csv(p)
        for p in sorted(Path(path).iterdir())
    ]
    return pl.concat(frames, how="diagonal_relaxed")


def first_open(path: str) -> dict:
    """A first open's load (no cache, in memory) and where its bytes are: the peak, the
    frame's Arrow buffers per column, and what is resident at the end (heap, mapped)."""
    from connlog_tui import sources

    t = time.perf_counter()
    loaded = sources.load([path], use_cache=False, lean=False)
    seconds = time.perf_counter() - t
    frame = loaded.frame
    columns = {c: frame[c].estimated_size() for c in frame.columns}
    status = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                status[key] = int(value.split()[0]) * 1024
    return {
        "seconds": seconds,
        "rss": maxrss_bytes(),
        "arrow": frame.estimated_size(),
        "columns": dict(sorted(columns.items(), key=lambda kv: -kv[1])),
        "dtypes": {c: str(d) for c, d in frame.schema.items()},
        "end": status,
        "rows": frame.height,
    }


def queries(path: str, reps: int) -> dict:
    """Pane filters and payload search through query.run on the loaded frame; export of
    a ~10% view against Polars write_csv of the same rows."""
    from datetime import timedelta

    import polars as pl

    from connlog_tui import query, sources
    from connlog_tui.export import export
    from connlog_tui.query import FilterState

    loaded = sources.load([path])  # from the cache the run's first load wrote: mapped
    frame, folded = loaded.frame, loaded.folded
    first = frame["time"].min()
    day = first + timedelta(days=1)
    fs = FilterState()
    filters = {
        "app=Okta": fs.with_picked("app", ["Okta"]),
        "action=SSO Failed": fs.with_picked("action", ["SSO Failed"]),
        "action=SSO Failed|SLO Failed": fs.with_picked("action", ["SSO Failed", "SLO Failed"]),
        "request_type=Logout-Connections": fs.with_picked("request_type", ["Logout-Connections"]),
        "user~jane": FilterState(user="jane"),
        "date=first day": FilterState(since=first, until=day),
        "app+action+date": FilterState(since=first, until=day)
        .with_picked("app", ["MangoApps"])
        .with_picked("action", ["SSO Failed"]),
    }
    # Needles: a payload-only base64 fragment (1 row), an error code in responses, a user
    # (plain in one column, base64 in payloads), and two misses: one with a "-" (scanned
    # for first: no base64 payload holds one) and one of letters only (the worst case:
    # every byte through the case-insensitive regex).
    request = frame["request"]
    sample = next(r for r in request.slice(frame.height // 2, 1000) if r and len(r) > 400)
    needles = [
        sample[300:316],
        "AADSTS70008",
        "grace.garcia17@globex.example",
        "zq-no-such-x",
        LETTERS_MISS,
    ]
    out: dict = {"filters": {}, "searches": {}}
    samples: list[float] = []
    for label, state in filters.items():
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            result = query.run(frame, state)
            times.append(time.perf_counter() - t)
        out["filters"][label] = {"rows": result.count, "median": statistics.median(times)}
        samples += times
    out["filter_p95"] = p95(samples)
    out["filter_max"] = max(samples)
    samples = []
    for needle in needles:
        times = []
        for _ in range(max(2, reps // 2)):
            t = time.perf_counter()
            result = query.run(frame, FilterState(search=needle), folded=folded)
            times.append(time.perf_counter() - t)
        out["searches"][needle] = {"rows": result.count, "median": statistics.median(times)}
        samples += times
    out["search_p95"] = p95(samples)
    out["search_max"] = max(samples)
    out["folded"] = folded is not None
    # A first open has no folded copy yet (the cache writes it): its worst search.
    times = []
    for _ in range(max(2, reps // 2)):
        t = time.perf_counter()
        query.run(frame, FilterState(search=LETTERS_MISS))
        times.append(time.perf_counter() - t)
    out["search_unfolded"] = statistics.median(times)
    out["scan_floor"] = scan_floor(frame, folded, LETTERS_MISS, reps)
    # Export of the app=Okta view vs Polars writing the same rows.
    result = query.run(frame, fs.with_picked("app", [EXPORT_APP]), facets=())
    view = query.view_frame(frame, result.indices)
    tmp = Path(tempfile.mkdtemp(prefix="connlog-bench-", dir=DATA))
    try:
        times, raw = [], []
        for i in range(max(3, reps // 4)):  # a median of 2 swung 1.07x-1.53x on this VM
            t = time.perf_counter()
            export(view, str(tmp / f"connlog{i}.csv"))
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            view.write_csv(tmp / f"polars{i}.csv")
            raw.append(time.perf_counter() - t)
        out["export"] = {
            "rows": view.height,
            "connlog": statistics.median(times),
            "polars": statistics.median(raw),
            "bytes": (tmp / "connlog0.csv").stat().st_size,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["rss"] = maxrss_bytes()
    out["rows"] = frame.height
    del pl
    return out


def scan_floor(frame, folded, needle: str, reps: int) -> dict:
    """The search's floor: Polars alone scanning the long text columns for a miss of
    letters only (the search that puts every byte through the regex), on both cores
    (streaming engine, as query.run does), literal and case-insensitive, and the folded
    copy of the payloads for the lower-cased needle (what query.run scans when it has
    one)."""
    import polars as pl

    from connlog_tui.payloads import PAYLOADS
    from connlog_tui.query import search_pattern

    texts = [c for c in PAYLOADS if c in frame.columns]
    out = {}
    scans = [
        ("literal", frame, needle, True),
        ("caseless", frame, search_pattern(needle), False),
    ]
    if folded is not None:
        scans.append(("folded", folded, needle.lower(), True))
    for label, source, pattern, literal in scans:
        scan = source.lazy().select(
            pl.any_horizontal(pl.col(c).str.contains(pattern, literal=literal) for c in texts)
            .fill_null(False)
            .sum()
        )
        times = []
        for _ in range(max(2, reps // 2)):
            t = time.perf_counter()
            scan.collect(engine="streaming")
            times.append(time.perf_counter() - t)
        out[label] = statistics.median(times)
    return out


def lean_queries(path: str, reps: int) -> dict:
    """Lean mode through the library: a cold load into an empty cache (streamed, so
    bounded memory), a reopen, the pane filters and payload searches with the store."""
    from connlog_tui import cache, query, sources
    from connlog_tui.query import FilterState

    root = Path(os.environ[cache.DIR_ENV]).with_name("cache-lean-worker")
    shutil.rmtree(root, ignore_errors=True)
    os.environ[cache.DIR_ENV] = str(root)
    try:
        t = time.perf_counter()
        loaded = sources.load([path], lean=True)
        out: dict = {"cold_seconds": time.perf_counter() - t, "cold_rss": maxrss_bytes()}
        del loaded
        t = time.perf_counter()
        loaded = sources.load([path], lean=True)
        out["reopen_seconds"] = time.perf_counter() - t
        frame, store = loaded.frame, loaded.payloads
        fs = FilterState()
        filters = [
            fs.with_picked("app", ["Okta"]),
            fs.with_picked("action", ["SSO Failed"]),
            FilterState(user="jane"),
        ]
        samples = []
        for state in filters:
            for _ in range(max(2, reps // 2)):
                t = time.perf_counter()
                query.run(frame, state, payloads=store)
                samples.append(time.perf_counter() - t)
        out["filter_p95"] = p95(samples)
        searches = {}
        for needle in ["AADSTS70008", "grace.garcia17@globex.example", "zq-no-such-x"]:
            times = []
            for _ in range(3):
                t = time.perf_counter()
                result = query.run(frame, FilterState(search=needle), payloads=store)
                times.append(time.perf_counter() - t)
            searches[needle] = {"rows": result.count, "median": statistics.median(times)}
        out["searches"] = searches
        out["search_max"] = max(s["median"] for s in searches.values())
        out["rss"] = maxrss_bytes()
        out["rows"] = frame.height
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_worker(name: str, path: Path, env: dict, reps: int = 1, timeout: int = 1800) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--path", str(path), "--reps", str(reps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- tmux -------------------------------------------------------------------------------


class TmuxGone(Exception):
    """The tmux server went away (the command died, or something killed the server)."""


class Tmux:
    """A detached tmux server running one command; the screen is read with capture-pane."""

    def __init__(self, command: str, env: dict, width: int = 200, height: int = 50) -> None:
        self.socket = f"connlog-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.env = dict(env, TERM="xterm-256color")
        self.width, self.height = width, height
        self.started = time.perf_counter()
        self.tmux("new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env
        )
        if proc.returncode != 0 and args[0] != "kill-server":
            raise TmuxGone(proc.stderr.strip() or f"tmux {args[0]} failed")
        return proc.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "b")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "b", *keys)

    def wait(
        self, test, timeout: float = 120.0, pause: float = POLL_PAUSE
    ) -> tuple[float, str] | None:
        """Seconds since the session started until `test(screen)` holds, polling every
        `pause` seconds: as fast as capture-pane answers for a first screen, where each
        millisecond counts. A wait of seconds polls less (LONG_POLL): each capture-pane is
        a process, and polled every few ms for seconds they took about half a core from
        the program being measured (on this 2-core machine, a 1M-row cold load took 3.5 s
        in the app instead of 2.8 s)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            screen = self.screen()
            if test(screen):
                return time.perf_counter() - self.started, screen
            time.sleep(pause)
        return None

    def pids(self, name: str) -> list[int]:
        """Processes under the pane whose command line mentions `name`."""
        root = self.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}").strip()
        if not root:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [int(root)]
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError):
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if name in cmd:
                    found.append(pid)
            todo += children.get(pid, [])
        return found

    def memory(self, name: str) -> list[dict[str, int]]:
        """The memory fields of /proc/PID/status (bytes) of each of those processes."""
        found = []
        for pid in self.pids(name):
            with contextlib.suppress(OSError):
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
                found.append(
                    {
                        key: int(value.split()[0]) * 1024
                        for key, value in (line.split(":", 1) for line in lines if ":" in line)
                        if value.strip().endswith(" kB")
                    }
                )
        return found

    def peak_rss(self, name: str) -> int | None:
        """The largest VmHWM among those processes (the program, not its shell)."""
        return max((m["VmHWM"] for m in self.memory(name) if "VmHWM" in m), default=None)

    def rss_split(self, name: str) -> dict:
        """RssAnon and RssFile (bytes) of the largest such process now: heap against pages
        of mapped files, which the kernel can take back from the page cache."""
        splits = [
            {k: m[k] for k in ("RssAnon", "RssFile")}
            for m in self.memory(name)
            if "RssAnon" in m and "RssFile" in m
        ]
        return max(splits, key=lambda split: sum(split.values()), default={})

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


class Control:
    """A tmux control-mode client on a `Tmux` session: keys go over its pipe (no tmux
    process started per key) and tmux pushes each burst of program output as it reads it
    (no polling). So key to frame is timed to within a millisecond, where the
    capture-pane loop adds a process start per key and per poll (see `textual_floor`)."""

    QUIET = 0.005  # a frame is a burst of output; it has ended after this much silence

    def __init__(self, term: Tmux) -> None:
        self.proc = subprocess.Popen(
            ["tmux", "-L", term.socket, "-C", "attach", "-t", "b"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=term.env,
        )
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.command(f"refresh-client -C {term.width}x{term.height}")  # keep the size
        self.settle()

    def command(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def burst(self, quiet: float, timeout: float = 5.0) -> tuple[float | None, int]:
        """When the last `%output` of the next burst arrived (None if none came), and
        how many bytes of notifications the burst held."""
        last, size, deadline = None, 0, time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.fd], [], [], quiet if last else timeout)
            if not ready:
                if last is not None:
                    break
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                break
            if b"%output" in chunk:
                last, size = time.perf_counter(), size + len(chunk)
        return last, size

    def settle(self, quiet: float = 0.2, limit: float = 2.0) -> None:
        """Wait until the program has drawn nothing for `quiet` seconds (the detail panel
        follows the cursor 60 ms after it rests): output still in flight when a key is
        sent would be taken for that key's frame."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            end, _ = self.burst(quiet=quiet, timeout=quiet)
            if end is None:
                return

    def key_to_frame(self, key: str, min_bytes: int = 1) -> float | None:
        """Seconds from sending `key` to the end of the frame the program draws for it:
        the first burst of at least `min_bytes` (a status-bar tick is not a page)."""
        self.settle()
        t = time.perf_counter()
        self.command(f"send-keys -t b {key}")
        while True:
            end, size = self.burst(quiet=self.QUIET)
            if end is None:
                return None
            if size >= min_bytes:
                return end - t

    def close(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait()


def guarded(measure, *args, **kwargs) -> dict:
    try:
        return measure(*args, **kwargs)
    except TmuxGone as exc:
        return {"error": f"tmux session lost: {exc}"}


def has_data_row(screen: str) -> bool:
    return any(DATA_ROW.search(line) for line in screen.splitlines()[1:])


def capture_cost(term: Tmux, n: int = 20) -> float:
    t = time.perf_counter()
    for _ in range(n):
        term.screen()
    return (time.perf_counter() - t) / n


def key_to_frame(term: Tmux, key: str, timeout: float = 5.0) -> float | None:
    """Seconds from sending `key` until the captured screen differs."""
    before = term.screen()
    t = time.perf_counter()
    term.keys(key)
    deadline = t + timeout
    while time.perf_counter() < deadline:
        if term.screen() != before:
            return time.perf_counter() - t
        time.sleep(POLL_PAUSE)
    return None


def paging(term: Tmux, reps: int, min_bytes: int = 1) -> dict:
    """PageDown `reps` times through a control-mode client, each once the screen is
    still; a frame is the first burst of output of at least `min_bytes`."""
    control = Control(term)
    try:
        pages = []
        for _ in range(reps):
            took = control.key_to_frame("PageDown", min_bytes)
            if took is not None:
                pages.append(took)
    finally:
        control.close()
    if not pages:
        return {}
    return {"page_median": statistics.median(pages), "page_max": max(pages), "page_n": len(pages)}


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


# A needle found in some payloads: the search reads every payload, then shows matches.
SEARCH_IN_APP = "AADSTS70008"


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


# -- the table --------------------------------------------------------------------------


def split_note(out: dict) -> str:
    split = out.get("rss_split") or {}
    return (
        f"at the end {fmt_b(split.get('RssAnon'))} heap and {fmt_b(split.get('RssFile'))} "
        f"pages of mapped files"
    )


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def fmt_b(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e9:.2f} GB" if x >= 1e9 else f"{x / 1e6:.0f} MB"


def figure(rows: list, name: str, measured: str, target: str, ok: bool | None, note=""):
    rows.append(
        {
            "figure": name,
            "measured": measured,
            "target": target,
            "pass": "n/a" if ok is None else ("yes" if ok else "NO"),
            "note": note,
        }
    )


def table(rows: list) -> str:
    cols = ["figure", "measured", "target", "pass"]
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]
    line = " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "-|-".join("-" * w for w in widths)]
    for r in rows:
        out.append(" | ".join(r[c].ljust(w) for c, w in zip(cols, widths, strict=True)))
        if r["note"]:
            out.append("    ↳ " + r["note"])
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, help="rows (default 1,000,000; 2,000 with --smoke)")
    ap.add_argument("--payload-bytes", type=int, help="mean SAML payload (default 8000; 600 ≥5M)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument(
        "--shapes",
        default="connector",
        help="connector (the default), mixed, merged, a comma-separated list of them, or all",
    )
    ap.add_argument("--no-lnav", action="store_true", help="skip lnav")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="CI's check that the bench runs: tiny log, no tmux/lnav, fails only on errors",
    )
    ap.add_argument("--out", help="results JSON (default bench/results/latest.json)")
    ap.add_argument("--table-from", help="reprint the table of a results JSON (its raw part)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--reps", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.path, args.reps)))
        return 0
    if args.table_from:
        saved = json.loads(Path(args.table_from).read_text())
        for name, shape in saved.get("shapes", {"connector": saved}).items():
            shape["table"] = shape_table(name, shape["raw"])
            print(f"\n{name}\n{table(shape['table'])}")
        Path(args.table_from).write_text(json.dumps(saved, indent=2, default=str) + "\n")
        return 0

    shapes = SHAPES if args.shapes == "all" else tuple(args.shapes.split(","))
    if unknown := set(shapes) - set(SHAPES):
        ap.error(f"unknown shape(s): {', '.join(sorted(unknown))} (known: {', '.join(SHAPES)})")
    if args.smoke:  # CI's check that the bench still runs: tiny, no tmux, no lnav
        args.rows = args.rows or SMOKE_ROWS
        args.quick = args.no_lnav = True
        args.out = args.out or str(DATA / "smoke.json")
    args.rows = args.rows or 1_000_000
    default_out = "latest.json" if shapes == ("connector",) else "shapes.json"
    args.out = args.out or str(RESULTS / default_out)
    reps = 2 if args.smoke else 5 if args.quick else 20
    compile_connlog()
    results: dict = {}
    for name in shapes:
        path, raw = prepare(args, name)
        if name == "connector":
            raw.update(measure_connector(path, args, reps))
        raw.update(measure_shape(path, args, name))
        results[name] = {"table": shape_table(name, raw), "raw": raw}
    for name, shape in results.items():
        size, rows = shape["raw"]["file_bytes"], shape["raw"]["rows"]
        print(f"\n{name}: {rows:,} rows, {size / 1e9:.2f} GB ({shape['raw']['path']})\n")
        print(table(shape["table"]))
    print(
        f"\nmachine: {os.cpu_count()} cores, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (other people's work counts too)"
    )
    result: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "loadavg_end": os.getloadavg(),
    }
    if shapes == ("connector",):
        result.update(results["connector"])
    else:
        result["shapes"] = results
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, default=str) + "\n")
    tmp.replace(args.out)
    print(f"\nwritten to {args.out}", file=sys.stderr)
    if args.smoke:
        return smoke_verdict(
            {f"{n}.{k}": v for n, r in results.items() for k, v in r["raw"].items()}
        )
    return 0


SHAPES = ("connector", "mixed", "merged")
SMOKE_ROWS = 2000
SKIPPED = "skipped (--smoke)"


def smoke_verdict(raw: dict) -> int:
    """1 when a step failed to run (an error other than a skip); timings never fail it."""
    failed = [
        name
        for name, value in raw.items()
        if isinstance(value, dict) and value.get("error", SKIPPED) != SKIPPED
    ]
    for name in failed:
        print(f"smoke: step {name} failed: {raw[name]['error']}", file=sys.stderr)
    return 1 if failed else 0


def prepare(args, shape: str = "connector") -> tuple[Path, dict]:
    """The log to measure (generated once), and the raw record's first fields. `mixed`:
    the merged-export shape (~500-byte rows, three date forms, BOM, unicode, formula-like
    cells); `merged`: a directory of 20 files of rows/20 each, CSV and JSON Lines."""
    from gen import MIXED_PAYLOAD, generate, generate_dir

    big = args.rows >= 5_000_000
    payload = args.payload_bytes or (600 if big else 8000)
    if shape != "connector":
        payload = args.payload_bytes or MIXED_PAYLOAD
    stem = f"{args.rows}_{payload}_{args.seed}"
    path = DATA / {"connector": f"connector_{stem}.csv", "mixed": f"mixed_{stem}.csv"}.get(
        shape, f"merged_{stem}"
    )
    raw: dict = {"rows": args.rows, "payload_bytes": payload, "seed": args.seed, "shape": shape}
    t = time.perf_counter()
    if not path.exists():
        print(f"generating {path.name} …", file=sys.stderr)
        if shape == "merged":
            generate_dir(path, MERGED_FILES, args.rows // MERGED_FILES, payload, args.seed)
        else:
            generate(path, args.rows, payload, args.seed, mixed=shape == "mixed")
        raw["generate_seconds"] = time.perf_counter() - t
    size = file_bytes(path)
    raw.update(file_bytes=size, path=path.name)
    print(f"{path.name}: {args.rows:,} rows, {size / 1e9:.2f} GB", file=sys.stderr)
    raw["memory_at_start"] = memory = memory_state()
    if memory:
        print(
            f"memory at start: {memory.get('MemAvailable', 0) / 1e9:.1f} GB available of "
            f"{memory.get('MemTotal', 0) / 1e9:.1f} GB, {memory.get('Cached', 0) / 1e9:.1f} GB "
            "in the page cache (other big files there disturb the load and search figures)",
            file=sys.stderr,
        )
    return path, raw


MERGED_FILES = 20


def file_bytes(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return path.stat().st_size


def step(label: str) -> None:
    print(f"· {label}", file=sys.stderr, flush=True)


def measure_connector(path: Path, args, reps: int) -> dict:
    """Every figure of issue 3 on the connector-shaped log; with --smoke, the library
    workers and the CLI export only (no tmux)."""
    raw: dict = {}
    size = path.stat().st_size
    cache_root = DATA / "cache"
    shutil.rmtree(cache_root, ignore_errors=True)
    env = dict(
        SHELL_ENV,
        CONNLOG_CACHE_DIR=str(cache_root),
        CONNLOG_CACHE_MAX_BYTES=str(max(4 * size, 2 * 1024**3)),
    )
    # Both parses start from the page cache: polars.read_csv goes first, and after other
    # work had pushed the log out (an earlier run's 5.5 GB cache entry, the 10M log) it
    # read from disk (5.2-5.8 s against 2.6-2.7 s, where connlog's load after it did not).
    warm_page_cache(path)
    step("polars.read_csv")
    raw["polars_read"] = run_worker("polars_read", path, env)
    step("connlog cold load (--no-cache)")
    raw["connlog_cold"] = run_worker("connlog_cold", path, env)
    step("connlog first load, writing the cache")
    raw["connlog_prime"] = run_worker("connlog_prime", path, env)
    step("the cache entry mapped alone (the reopen's floor)")
    raw["entry_read"] = run_worker("entry_read", path, env)
    step("connlog reopen from the cache")
    raw["connlog_reopen"] = run_worker("connlog_reopen", path, env)
    step("filters, search, export")
    raw["queries"] = run_worker("queries", path, env, reps=reps)
    if args.smoke:
        for name in ("tmux_cold", "first_screens", "first_screen_floor", "tmux_warm"):
            raw[name] = {"error": SKIPPED}
        raw.update(tmux_floor={"error": SKIPPED}, tmux_lean={"error": SKIPPED})
    else:
        raw.update(measure_tmux(path, env, reps, args.quick))
    step("lean mode: library load + filters + search")
    # As `connlog --lean` does before Polars loads (connlog_tui/memory.py).
    from connlog_tui.memory import LEAN_MALLOC_CONF

    lean_env = dict(env, _RJEM_MALLOC_CONF=LEAN_MALLOC_CONF)
    raw["lean"] = run_worker("connlog_lean", path, lean_env, reps=reps)
    if not args.smoke:
        step("tmux: connlog --lean, cold, then a payload search")
        raw["tmux_lean"] = guarded(connlog_lean_tmux, path, env, SEARCH_IN_APP)
    lnav_reason = "skipped (--no-lnav)" if args.no_lnav else ensure_lnav()
    if lnav_reason is None:
        step("tmux: lnav")
        raw["lnav"] = guarded(lnav_tmux, path, env, "grace.garcia17@globex.example")
    step("connlog export (CLI, end to end)")
    out = DATA / "bench-export.csv"
    out.unlink(missing_ok=True)
    cmd = connlog_command()
    t = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "export", str(path), "--app", EXPORT_APP, "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    raw["cli_export"] = {
        "seconds": time.perf_counter() - t,
        "ok": proc.returncode == 0,
        "stderr": proc.stderr.strip()[-300:],
    }
    if proc.returncode != 0:
        raw["cli_export"]["error"] = raw["cli_export"]["stderr"] or "connlog export failed"
    out.unlink(missing_ok=True)
    shutil.rmtree(cache_root, ignore_errors=True)
    return raw


def measure_tmux(path: Path, env: dict, reps: int, quick: bool) -> dict:
    """The figures taken in tmux: first screens, paging, in-app search and memory."""
    raw: dict = {}
    step("tmux: connlog cold (--no-cache)")
    raw["tmux_cold"] = guarded(connlog_tmux, path, env, reps, cached=False)
    step("tmux: connlog's first screen, cold, 5 starts")
    raw["first_screens"] = guarded(first_screens, path, env, 5)
    step("tmux: the first screen's floor (a Textual app, with and without Polars)")
    raw["first_screen_floor"] = guarded(first_screen_floor, env, 5)
    step("tmux: connlog with cache, paging, search")
    raw["tmux_warm"] = guarded(connlog_tmux, path, env, 10 if quick else 40, cached=True)
    step("tmux: the floor (a one-widget Textual app, paging)")
    raw["tmux_floor"] = guarded(textual_floor, env, 10 if quick else 40)
    return raw


def measure_shape(path: Path, args, shape: str) -> dict:
    """Issue 25's figures on any shape: cold load against polars.read_csv, the one-shot
    `connlog export --action` (empty cache, --no-cache, from the cache a load wrote)
    against Polars reading, filtering and writing the same rows (each a fresh process,
    timed from outside: both are one-shot commands), and memory on a first open."""
    raw: dict = {}
    size = file_bytes(path)
    cache_root = DATA / "cache"
    shutil.rmtree(cache_root, ignore_errors=True)
    env = dict(
        SHELL_ENV,
        CONNLOG_CACHE_DIR=str(cache_root),
        CONNLOG_CACHE_MAX_BYTES=str(max(4 * size, 2 * 1024**3)),
    )
    warm_page_cache(path)
    reps = 1 if args.smoke else 3
    if shape != "connector":  # the connector run measured these already
        # Interleaved, each figure the median run: one run each swung 1.0x-1.8x on this
        # shared VM with other work on its cores.
        step(f"{shape}: polars.read_csv and connlog's cold load (--no-cache), {reps} each")
        runs: dict = {"polars_read": [], "connlog_cold": []}
        for _ in range(reps):
            for name, found in runs.items():
                found.append(run_worker(name, path, env))
        for name, found in runs.items():
            good = sorted((r for r in found if "seconds" in r), key=lambda r: r["seconds"])
            raw[name] = dict(good[len(good) // 2] if good else found[0])
            raw[name]["runs"] = [r.get("seconds") for r in found]
    step(f"{shape}: one-shot exports, {reps} each: Polars, connlog, --no-cache")
    ex: dict = {"polars": [], "first": [], "no_cache": [], "cached": []}
    for _ in range(reps):
        ex["polars"].append(timed_worker("polars_export", path, env))
        ex["first"].append(cli_export(path, env, []))
        ex["no_cache"].append(cli_export(path, env, ["--no-cache"]))
    ex["cache_written_by_export"] = any(cache_root.glob("*/frame.arrow"))
    failed = [
        r["error"] for runs in ex.values() if isinstance(runs, list) for r in runs if "error" in r
    ]
    step(f"{shape}: a load writing the cache (as the browser does), then exports from it")
    raw["connlog_prime"] = run_worker("connlog_prime", path, env)
    for _ in range(reps):
        ex["cached"].append(cli_export(path, env, []))
    failed += [r["error"] for r in ex["cached"] if "error" in r]
    if failed:
        ex["error"] = failed[0]
    raw["exports"] = ex
    shutil.rmtree(cache_root, ignore_errors=True)
    step(f"{shape}: first open's memory (library)")
    raw["first_open"] = run_worker("first_open", path, env)
    if not args.smoke:
        step(f"{shape}: tmux: connlog --no-cache, peak RSS after the load")
        raw["tmux_first_open"] = guarded(connlog_tmux, path, env, 1, cached=False)
    if shape != "connector":
        step(f"{shape}: lean mode: library load + filters + search")
        from connlog_tui.memory import LEAN_MALLOC_CONF

        lean_env = dict(env, _RJEM_MALLOC_CONF=LEAN_MALLOC_CONF)
        raw["lean"] = run_worker("connlog_lean", path, lean_env, reps=2 if args.smoke else 5)
    shutil.rmtree(cache_root, ignore_errors=True)
    return raw


def timed_worker(name: str, path: Path, env: dict) -> dict:
    """A worker's wall-clock from outside (interpreter and imports included)."""
    t = time.perf_counter()
    out = run_worker(name, path, env)
    out["wall"] = time.perf_counter() - t
    return out


def cli_export(path: Path, env: dict, flags: list[str]) -> dict:
    """`connlog export PATH --action "SSO Failed" -o OUT`, end to end."""
    out = DATA / "bench-export.csv"
    out.unlink(missing_ok=True)
    cmd = [*connlog_command(), "export", str(path), "--action", EXPORT_ACTION, "-o", str(out)]
    t = time.perf_counter()
    proc = subprocess.run([*cmd, *flags], capture_output=True, text=True, env=env)
    found = {"wall": time.perf_counter() - t, "stderr": proc.stderr.strip()[-300:]}
    if proc.returncode != 0:
        found["error"] = found["stderr"] or "connlog export failed"
    out.unlink(missing_ok=True)
    return found


def shape_table(shape: str, raw: dict) -> list:
    """The connector shape's issue-3 table plus issue 25's rows; the other shapes get
    issue 25's rows alone."""
    size = raw["file_bytes"]
    rows = build_table(raw, size) if shape == "connector" else []
    pr, cold = raw.get("polars_read", {}), raw.get("connlog_cold", {})
    if shape != "connector":
        if "seconds" in cold and "seconds" in pr:
            ratio = cold["seconds"] / pr["seconds"]
            figure(
                rows,
                "load() cold, no cache",
                f"{fmt_s(cold['seconds'])} ({ratio:.2f}x)",
                "≤ 1.3x polars.read_csv",
                ratio <= 1.3,
                f"medians of {len(cold.get('runs', [1]))}: connlog "
                f"{', '.join(fmt_s(x) for x in cold.get('runs', []))}; polars.read_csv "
                f"{', '.join(fmt_s(x) for x in pr.get('runs', []))} ({fmt_b(pr.get('rss'))} "
                f"RSS); connlog {fmt_b(cold.get('rss'))} RSS",
            )
        else:
            figure(rows, "load() cold", "n/a", "≤ 1.3x polars.read_csv", None, err(cold, pr))
    export_rows(rows, raw.get("exports", {}))
    memory_rows(rows, raw, size)
    return rows


def err(*found: dict) -> str:
    return "; ".join(d["error"] for d in found if d.get("error")) or "not measured"


def median_of(runs: list[dict], key: str = "wall") -> float | None:
    values = [r[key] for r in runs if key in r and "error" not in r]
    return statistics.median(values) if values else None


def export_rows(rows: list, ex: dict) -> None:
    polars = median_of(ex.get("polars", []))
    inside = median_of(ex.get("polars", []), "seconds")
    cases = [
        ("first", "first `connlog export --action`", 1.5, "empty cache"),
        ("no_cache", "the same with --no-cache", 1.3, ""),
        ("cached", "the same from the cache", 0.6, "after a load wrote the entry"),
    ]
    for key, name, bound, what in cases:
        runs = ex.get(key, [])
        took = median_of(runs)
        target = f"≤ {bound}x Polars read+filter+write"
        if took is None or not polars:
            figure(rows, name, "n/a", target, None, err(*runs, *ex.get("polars", [])))
            continue
        ratio = took / polars
        note = (
            f"medians of {len(runs)}: {', '.join(fmt_s(r['wall']) for r in runs if 'wall' in r)}"
            f"; Polars (a fresh process: read_csv, filter, write_csv) {fmt_s(polars)}, of "
            f"which the work itself {fmt_s(inside)}"
        )
        if what:
            note += f"; {what}"
        if key == "first":
            written = ex.get("cache_written_by_export")
            note += f"; cache entry written by the exports: {'yes' if written else 'no'}"
        figure(rows, name, f"{fmt_s(took)} ({ratio:.2f}x)", target, ratio <= bound, note)


def memory_rows(rows: list, raw: dict, size: int) -> None:
    fo, tmux_open = raw.get("first_open", {}), raw.get("tmux_first_open", {})
    app_peak = tmux_open.get("rss")
    peak = app_peak or fo.get("rss")
    if peak:
        top = list(fo.get("columns", {}).items())[:5]
        end = fo.get("end", {})
        arrow = fo.get("arrow") or 0
        note = (
            f"{'the app in tmux (VmHWM after its load)' if app_peak else 'library load only'}; "
            f"the library's load peaks at {fmt_b(fo.get('rss'))}, and holds {fmt_b(arrow)} in "
            f"Arrow buffers ({', '.join(f'{c} {fmt_b(b)}' for c, b in top)}), "
            f"{fmt_b(end.get('RssAnon'))} heap resident at the end, so "
            f"{fmt_b((end.get('RssAnon') or 0) - arrow)} beyond the frame; file {fmt_b(size)}"
        )
        figure(
            rows,
            "peak RSS, first open (in memory)",
            f"{fmt_b(peak)} ({peak / size:.2f}x file)",
            "≤ 1.0x file size",
            peak <= size,
            note,
        )
    else:
        figure(rows, "peak RSS, first open", "n/a", "≤ 1.0x file size", None, err(fo, tmux_open))
    lean = raw.get("lean", {})
    if lean.get("rss") and raw.get("shape") != "connector":
        figure(
            rows,
            "peak RSS, lean mode (library)",
            f"{fmt_b(lean['rss'])} ({lean['rss'] / size:.2f}x)",
            "≤ 0.10x file",
            lean["rss"] <= 0.10 * size,
            f"cold lean load {fmt_s(lean.get('cold_seconds'))}, reopen "
            f"{fmt_s(lean.get('reopen_seconds'))}, filter p95 {fmt_s(lean.get('filter_p95'))}, "
            f"search max {fmt_s(lean.get('search_max'))}",
        )


def build_table(raw: dict, size: int) -> list:
    rows: list = []
    pr, cold, prime = raw["polars_read"], raw["connlog_cold"], raw["connlog_prime"]
    reopen, q = raw["connlog_reopen"], raw["queries"]
    tc, tw, ln = raw["tmux_cold"], raw["tmux_warm"], raw.get("lnav", {})
    lnav_na = "lnav not measured" if not ln else None

    def err(d: dict) -> str:
        return d.get("error", "")

    # First screen.
    fs, lfs = tc.get("first_screen"), ln.get("first_screen")
    starts = raw.get("first_screens", {}).get("seconds") or []
    if starts:
        fs = statistics.median(starts)
    ok = None if fs is None else fs <= 0.5 and (lfs is None or fs <= 0.3 * lfs)
    note = f"lnav {fmt_s(lfs)}" if lfs else (lnav_na or "lnav showed no data row")
    if starts:
        note += f"; median of {len(starts)} starts: {', '.join(fmt_s(t) for t in starts)}"
    if tw.get("first_screen"):
        note += f"; with cache {fmt_s(tw['first_screen'])}"
    ff = raw.get("first_screen_floor", {})
    if ff.get("textual"):
        note += (
            f"; floor, a two-line Textual app: {fmt_s(ff['textual'])}, importing Polars "
            f"first {fmt_s(ff.get('textual_polars'))}"
        )
    figure(rows, "first screen of rows, cold (tmux)", fmt_s(fs), "≤ 0.5 s, ≤ 0.3x lnav", ok, note)
    if lfs is None and fs is not None:
        rows[-1]["pass"] = "yes (0.5 s)" if fs <= 0.5 else "NO"
    # Full load.
    if "seconds" in cold and "seconds" in pr:
        ratio = cold["seconds"] / pr["seconds"]
        figure(
            rows,
            "full load, cold",
            f"{fmt_s(cold['seconds'])} ({ratio:.2f}x)",
            "≤ 1.2x polars.read_csv",
            ratio <= 1.2,
            f"polars.read_csv {fmt_s(pr['seconds'])}, {fmt_b(pr['rss'])} RSS; "
            f"connlog {fmt_b(cold['rss'])} RSS; in tmux, full load shown at "
            f"{fmt_s(tc.get('loaded'))}",
        )
    else:
        figure(rows, "full load, cold", "n/a", "≤ 1.2x polars.read_csv", None, err(cold) + err(pr))
    if "seconds" in reopen and "seconds" in cold and reopen.get("hits"):
        entry = raw.get("entry_read", {})
        ratio = reopen["seconds"] / cold["seconds"]
        lean_reopen = raw.get("lean", {}).get("reopen_seconds")
        lean_ratio = lean_reopen / cold["seconds"] if lean_reopen else None
        measured = f"{fmt_s(reopen['seconds'])} ({ratio:.2f}x)"
        if lean_ratio is not None:
            measured += f"; lean {fmt_s(lean_reopen)} ({lean_ratio:.2f}x)"
        figure(
            rows,
            "reopen from cache (in-memory; lean)",
            measured,
            "≤ 0.3x cold load",
            ratio <= 0.3,
            f"in-memory: the entry's Arrow file mapped, payloads paged in from the page "
            f"cache when touched; lean: the small columns only. Cache written in background: "
            f"{fmt_s(prime.get('with_write'))} after start (load returned at "
            f"{fmt_s(prime.get('seconds'))}), {fmt_b(prime.get('cache_bytes'))} on disk; "
            f"floor, the entry mapped alone: {fmt_s(entry.get('seconds'))}, where "
            f"polars.read_ipc copying it takes {fmt_s(entry.get('copied_seconds'))}",
        )
        if lean_ratio is not None and ratio > 0.3:
            rows[-1]["pass"] = "lean only" if lean_ratio <= 0.3 else "NO"
    else:
        figure(rows, "reopen from cache", "n/a", "≤ 0.3x cold load", None, "no cache hit")
    if "filter_p95" in q:
        figure(
            rows,
            "pane filter, query.run p95",
            fmt_s(q["filter_p95"]),
            "≤ 50 ms",
            q["filter_p95"] <= 0.05,
            f"{len(q['filters'])} filters x reps, max {fmt_s(q['filter_max'])}; query "
            "layer only (the table redraw is the page figure)",
        )
        lf = ln.get("filter_in")
        ok = q["search_p95"] <= 0.25 and (lf is None or q["search_p95"] <= 0.25 * lf)
        note = f"lnav filter-in {fmt_s(lf)}" if lf else (lnav_na or "lnav filter-in n/a")
        medians = ", ".join(f"{n} {fmt_s(v['median'])}" for n, v in q["searches"].items())
        note += f"; medians: {medians}"
        scan = q.get("scan_floor")
        if scan:
            note += (
                f"; floor, Polars alone scanning request+response for {LETTERS_MISS}: literal "
                f"{fmt_s(scan['literal'])}, case-insensitive {fmt_s(scan['caseless'])}"
            )
            if "folded" in scan:
                note += f", their folded copy (literal) {fmt_s(scan['folded'])}"
        if q.get("folded"):
            note += (
                "; searched through the payloads' folded copy, which the cache writes (a "
                f"first open, before it exists: {LETTERS_MISS} "
                f"{fmt_s(q.get('search_unfolded'))})"
            )
        elif q.get("folded") is False:
            note += "; no folded copy of the payloads: every search through the regex"
        figure(
            rows,
            "free-text search over payloads p95",
            fmt_s(q["search_p95"]),
            "≤ 250 ms, ≤ 0.25x lnav",
            ok,
            note,
        )
    else:
        figure(rows, "pane filter / search", "n/a", "", None, err(q))
    fl = raw.get("tmux_floor", {})
    if "page_median" in tw:
        figure(
            rows,
            "scroll/page key to frame, median/max",
            f"{fmt_s(tw['page_median'])} / {fmt_s(tw['page_max'])}",
            "≤ 16 ms / ≤ 50 ms",
            tw["page_median"] <= 0.016 and tw["page_max"] <= 0.05,
            f"{tw['page_n']} PageDowns through a tmux control-mode client (key sent to "
            f"the frame's last output); a one-widget Textual app redrawing one line: "
            f"{fmt_s(fl.get('page_median'))} / {fmt_s(fl.get('page_max'))}. Polling "
            f"capture-pane instead (a tmux process per key and per poll): connlog "
            f"{fmt_s(tw.get('capture_median'))} / {fmt_s(tw.get('capture_max'))}, the "
            f"one-widget app {fmt_s(fl.get('capture_median'))} / "
            f"{fmt_s(fl.get('capture_max'))}",
        )
    else:
        figure(rows, "scroll/page key to frame", "n/a", "≤ 16 ms / ≤ 50 ms", None, "no screen")
    rss = tw.get("rss")
    if rss:
        figure(
            rows,
            "peak RSS, browsing+filtering, in-memory",
            f"{fmt_b(rss)} ({rss / size:.2f}x file)",
            "≤ 1.0x file size",
            rss <= size,
            f"VmHWM of connlog in tmux reopened from the cache, after paging "
            f"{fmt_b(tw.get('rss_paging'))}, after a payload search ({fmt_s(tw.get('search'))}) "
            f"and the background triage {fmt_b(rss)}, of which {split_note(tw)}; "
            f"a first open (--no-cache) peaks at {fmt_b(tc.get('rss'))}; file {fmt_b(size)}; "
            f"query worker {fmt_b(q.get('rss'))}",
        )
    else:
        figure(rows, "peak RSS, in-memory mode", "n/a", "≤ 1.0x file size", None, "not read")
    lean, tl = raw.get("lean", {}), raw.get("tmux_lean", {})
    peak = max(x for x in (lean.get("rss"), tl.get("rss"), 0) if x is not None)
    search = tl.get("search")
    if peak and search is not None:
        lf = ln.get("filter_in")
        figure(
            rows,
            "peak RSS, lean mode / its payload search",
            f"{fmt_b(peak)} ({peak / size:.2f}x) / {fmt_s(search)}",
            "≤ 0.15x file / ≤ 1.0x lnav",
            peak <= 0.15 * size and (lf is None or search <= lf),
            f"app in tmux: first matches shown at {fmt_s(tl.get('search_first'))}; "
            f"{fmt_b(tl.get('rss_search'))} after the cold --lean load and the "
            f"search, {fmt_b(tl.get('rss'))} once background triage ended "
            f"(+{fmt_s(tl.get('triage_seconds'))}); library "
            f"worker {fmt_b(lean.get('rss'))} (cold load {fmt_s(lean.get('cold_seconds'))}, "
            f"reopen {fmt_s(lean.get('reopen_seconds'))}, filter p95 "
            f"{fmt_s(lean.get('filter_p95'))}, search max {fmt_s(lean.get('search_max'))}); "
            f"lnav filter-in {fmt_s(lf)}, lnav peak RSS {fmt_b(ln.get('rss'))}",
        )
    else:
        figure(
            rows,
            "peak RSS, lean mode / its payload search",
            "n/a",
            "≤ 0.15x file / ≤ 1.0x lnav",
            None,
            err(lean) + err(tl) or "not measured",
        )
    ex = q.get("export")
    if ex:
        ratio = ex["connlog"] / ex["polars"]
        figure(
            rows,
            f"export of {ex['rows']:,}-row view to CSV",
            f"{fmt_s(ex['connlog'])} ({ratio:.2f}x)",
            "≤ 1.2x polars write_csv",
            ratio <= 1.2,
            f"polars write_csv {fmt_s(ex['polars'])}; `connlog export` end to end "
            f"{fmt_s(raw['cli_export']['seconds'])} (load from cache included)",
        )
    else:
        figure(rows, "export", "n/a", "≤ 1.2x polars write_csv", None, err(q))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
