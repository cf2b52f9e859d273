"""The results as the printed table: figure | measured | target | pass, with a note each."""

from __future__ import annotations

import statistics

from shared import LETTERS_MISS

# Rows from which issue 25's 10M targets apply (the run's payloads shrink there too).
BIG_ROWS = 5_000_000


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def fmt_b(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e9:.2f} GB" if x >= 1e9 else f"{x / 1e6:.0f} MB"


def split_note(out: dict) -> str:
    split = out.get("rss_split") or {}
    return (
        f"at the end {fmt_b(split.get('RssAnon'))} heap and {fmt_b(split.get('RssFile'))} "
        f"pages of mapped files"
    )


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


def err(*found: dict) -> str:
    return "; ".join(d["error"] for d in found if d.get("error")) or "not measured"


def median_of(runs: list[dict], key: str = "wall") -> float | None:
    values = [r[key] for r in runs if key in r and "error" not in r]
    return statistics.median(values) if values else None


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
            f"{floor_note(raw, size)}"
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
            f"search max {fmt_s(lean.get('search_max'))}{floor_note(raw, size)}",
        )


def floor_note(raw: dict, size: int) -> str:
    """The process floor measured in the same run (a process holding no log), as a note."""
    floor = raw.get("floor", {})
    if not floor.get("libraries"):
        return ""
    return (
        f"; floor, a process holding no log: Polars, pyarrow and Textual imported "
        f"{fmt_b(floor['libraries'])} ({floor['libraries'] / size:.2f}x file), with "
        f"connlog's app {fmt_b(floor.get('app'))} ({(floor.get('app') or 0) / size:.2f}x)"
    )


def build_table(raw: dict, size: int) -> list:
    """Issue 3's figures on the connector log, a row each (bench/README.md says how each
    is taken)."""
    rows: list = []
    for add in (
        first_screen_row,
        full_load_row,
        reopen_row,
        query_rows,
        paging_row,
        in_memory_rss_row,
        lean_row,
        export_row,
    ):
        add(rows, raw, size)
    return rows


def error_of(found: dict) -> str:
    return found.get("error", "")


def lnav_missing(raw: dict) -> str | None:
    return "lnav not measured" if not raw.get("lnav", {}) else None


def first_screen_row(rows: list, raw: dict, size: int) -> None:
    tc, tw, ln = raw["tmux_cold"], raw["tmux_warm"], raw.get("lnav", {})
    lnav_na = lnav_missing(raw)
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


def full_load_row(rows: list, raw: dict, size: int) -> None:
    pr, cold, tc = raw["polars_read"], raw["connlog_cold"], raw["tmux_cold"]
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
        figure(
            rows,
            "full load, cold",
            "n/a",
            "≤ 1.2x polars.read_csv",
            None,
            error_of(cold) + error_of(pr),
        )


def reopen_row(rows: list, raw: dict, size: int) -> None:
    cold, prime, reopen = raw["connlog_cold"], raw["connlog_prime"], raw["connlog_reopen"]
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


def query_rows(rows: list, raw: dict, size: int) -> None:
    q, ln = raw["queries"], raw.get("lnav", {})
    lnav_na = lnav_missing(raw)
    # Issue 25's targets at 10M rows: a pane filter ≤ 100 ms, a payload search ≤ 1.0 s.
    big = raw.get("rows", 0) >= BIG_ROWS
    filter_target, search_target = (0.1, 1.0) if big else (0.05, 0.25)
    if "filter_p95" in q:
        note = f"{len(q['filters'])} filters x reps, max {fmt_s(q['filter_max'])}"
        if "filter_p95_cold" in q:
            note += (
                ", each from the first screen's kept masks and pane counts (the whole log's "
                f"query {fmt_s(q.get('first_screen_query'))}); with nothing kept "
                f"p95 {fmt_s(q['filter_p95_cold'])}"
            )
        figure(
            rows,
            "pane filter, query.run p95",
            fmt_s(q["filter_p95"]),
            f"≤ {fmt_s(filter_target)}",
            q["filter_p95"] <= filter_target,
            note + "; query layer only (the table redraw is the page figure)",
        )
        lf = ln.get("filter_in")
        ok = q["search_p95"] <= search_target and (lf is None or q["search_p95"] <= 0.25 * lf)
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
            f"≤ {fmt_s(search_target)}, ≤ 0.25x lnav",
            ok,
            note,
        )
    else:
        figure(rows, "pane filter / search", "n/a", "", None, error_of(q))


def paging_row(rows: list, raw: dict, size: int) -> None:
    tw = raw["tmux_warm"]
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


def in_memory_rss_row(rows: list, raw: dict, size: int) -> None:
    tc, tw, q = raw["tmux_cold"], raw["tmux_warm"], raw["queries"]
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


def lean_row(rows: list, raw: dict, size: int) -> None:
    ln = raw.get("lnav", {})
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
            error_of(lean) + error_of(tl) or "not measured",
        )


def export_row(rows: list, raw: dict, size: int) -> None:
    q = raw["queries"]
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
        figure(rows, "export", "n/a", "≤ 1.2x polars write_csv", None, error_of(q))
