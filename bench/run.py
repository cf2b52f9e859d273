"""connlog benchmark: one command generates a log, measures every figure of issue 3
against raw Polars and lnav, prints figure | measured | target | pass, writes JSON.

    python bench/run.py --rows 1000000            # the issue's 1M-row / ~2.7 GB run
    python bench/run.py --rows 10000000           # 10M rows, smaller payloads
    python bench/run.py --rows 100000 --quick     # a smoke run

Heavy steps run in subprocesses (`--worker NAME`, measure.py), so each one's peak RSS is its
own; terminal.py and apps.py time the programs in tmux; tables.py prints the figures.
Never run by pytest or CI. See bench/README.md for what each figure measures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from apps import (
    SEARCH_IN_APP,
    compile_connlog,
    connlog_command,
    connlog_lean_tmux,
    connlog_tmux,
    ensure_lnav,
    first_screen_floor,
    first_screens,
    lnav_tmux,
    textual_floor,
    warm_page_cache,
)
from measure import worker
from shared import DATA, EXPORT_ACTION, EXPORT_APP, RESULTS, memory_state
from tables import shape_table, table
from terminal import guarded

# The environment this script was started with: the programs measured get what a user's
# shell would give them, not what this process's imports added (importing Polars, here or
# in gen.py, puts its allocator's default `_RJEM_MALLOC_CONF` into os.environ, which
# `connlog --lean` once kept instead of its own setting: the lean app peaked ~40% higher).
SHELL_ENV = dict(os.environ)


def run_worker(name: str, path: Path, env: dict, reps: int = 1, timeout: int = 1800) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--path", str(path), "--reps", str(reps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


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
    ap.add_argument(
        "--first-screen",
        type=int,
        metavar="STARTS",
        help="only the first screen of rows and its two floors, STARTS starts each, "
        "interleaved (printed, not saved)",
    )
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
    if args.first_screen:
        return first_screen_only(prepare(args)[0], args.first_screen)
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


def first_screen_only(path: Path, starts: int) -> int:
    """The first screen of rows (`connlog FILE --no-cache`) and its floors, timed as the
    full run times them but one start of each in turn, so a change in the machine's load
    during the run falls on all three alike."""
    env = dict(SHELL_ENV)
    raw: dict = {"connlog": [], "textual": [], "textual_polars": []}
    load = os.getloadavg()[0]
    for _ in range(starts):
        raw["connlog"] += guarded(first_screens, path, env, 1).get("seconds", [])
        floors = guarded(first_screen_floor, env, 1)
        for name in ("textual", "textual_polars"):
            if floors.get(name) is not None:
                raw[name].append(floors[name])
    for name, times in raw.items():
        listed = ", ".join(f"{t * 1000:.0f}" for t in times)
        median = f"{statistics.median(times) * 1000:.0f} ms" if times else "none"
        print(f"{name:<15} median {median} ({listed})")
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    return 0 if raw["connlog"] else 1


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
    step(f"{shape}: first open's memory (library), and a process's floor (no log)")
    raw["first_open"] = run_worker("first_open", path, env)
    raw["floor"] = run_worker("floor", path, env)
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


if __name__ == "__main__":
    raise SystemExit(main())
