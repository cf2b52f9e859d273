"""The measurements taken inside a worker process (`run.py --worker NAME`): loads, the
cache, filters, searches and exports through connlog's library against Polars alone, each
with the process's own peak RSS."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from shared import DATA, EXPORT_ACTION, EXPORT_APP, LETTERS_MISS, vm_hwm


def maxrss_bytes() -> int:
    """This process's peak RSS: VmHWM where Linux gives it. Not `ru_maxrss`: a child
    started by fork (or vfork) and exec keeps its parent's peak in it, so every worker
    reported at least the benchmark's own peak (its data generation's, when it made the
    log in the same run)."""
    peak = vm_hwm()
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def worker(name: str, path: str, reps: int) -> dict:
    if name == "floor":
        return process_floor()
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


def process_floor() -> dict:
    """The floor under every memory figure: the peak RSS of a process holding no log,
    once it has imported the libraries connlog needs (Polars, pyarrow, Textual), then
    once it has imported connlog's app as well."""
    import polars  # noqa: F401
    import pyarrow  # noqa: F401
    import textual.app  # noqa: F401

    libraries = maxrss_bytes()
    import connlog_tui.ui.app  # noqa: F401

    return {"libraries": libraries, "app": maxrss_bytes()}


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
    from connlog_tui import sources

    loaded = sources.load([path])  # from the cache the run's first load wrote: mapped
    frame, folded = loaded.frame, loaded.folded
    out: dict = {"filters": {}, "searches": {}}
    time_filters(out, frame, reps)
    time_searches(out, frame, folded, reps)
    out["scan_floor"] = scan_floor(frame, folded, LETTERS_MISS, reps)
    out["export"] = time_export(frame, reps)
    out["rss"] = maxrss_bytes()
    out["rows"] = frame.height
    return out


def timings(run, times: int) -> tuple[list[float], object]:
    """Seconds each of `times` calls of `run()` took, and the last call's result."""
    found, result = [], None
    for _ in range(times):
        t = time.perf_counter()
        result = run()
        found.append(time.perf_counter() - t)
    return found, result


def time_filters(out: dict, frame, reps: int) -> None:
    """The pane filters, `reps` runs each: rows and median per filter, p95 and max. Each run
    starts from what the browser holds once its first screen is up (the whole log's
    query.run, its condition masks and pane counts, query_masks.Masks), copied, so no run
    reuses another's masks: a pick's first run. `filter_p95_cold`: with nothing kept."""
    from datetime import timedelta

    from connlog_tui import query
    from connlog_tui.query import FilterState
    from connlog_tui.query_masks import Masks

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
    opened = Masks()
    t = time.perf_counter()
    query.run(frame, fs, masks=opened)
    out["first_screen_query"] = time.perf_counter() - t
    samples: list[float] = []
    cold: list[float] = []
    for label, state in filters.items():
        times, result = timings(lambda s=state: query.run(frame, s, masks=opened.copy()), reps)
        out["filters"][label] = {"rows": result.count, "median": statistics.median(times)}
        samples += times
        cold += timings(partial(query.run, frame, state), max(2, reps // 4))[0]
    out["filter_p95"] = p95(samples)
    out["filter_max"] = max(samples)
    out["filter_p95_cold"] = p95(cold)


def time_searches(out: dict, frame, folded, reps: int) -> None:
    """Payload searches through the folded copy when there is one, and the worst search
    of a first open, which has none yet (the cache writes it)."""
    from connlog_tui import query
    from connlog_tui.query import FilterState

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
    samples: list[float] = []
    for needle in needles:
        state = FilterState(search=needle)
        times, result = timings(partial(query.run, frame, state, folded=folded), max(2, reps // 2))
        out["searches"][needle] = {"rows": result.count, "median": statistics.median(times)}
        samples += times
    out["search_p95"] = p95(samples)
    out["search_max"] = max(samples)
    out["folded"] = folded is not None
    unfolded = FilterState(search=LETTERS_MISS)
    times, _ = timings(partial(query.run, frame, unfolded), max(2, reps // 2))
    out["search_unfolded"] = statistics.median(times)


def time_export(frame, reps: int) -> dict:
    """Export of the app=Okta view against Polars writing the same rows."""
    from connlog_tui import query
    from connlog_tui.export import export
    from connlog_tui.query import FilterState

    result = query.run(frame, FilterState().with_picked("app", [EXPORT_APP]), facets=())
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
        return {
            "rows": view.height,
            "connlog": statistics.median(times),
            "polars": statistics.median(raw),
            "bytes": (tmp / "connlog0.csv").stat().st_size,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
