"""Issue 24's figures: regex search, the count view and the timeline on a generated log.

    python bench/verbs.py --rows 1000000                  # 1M rows, 8 KB payloads
    python bench/verbs.py --rows 1000000 --payload-bytes 600

Targets: regex search p95 at most 1.0x Polars' own `str.contains` of the same pattern over
the same columns (one `any_horizontal` query on the loaded frame); count view and timeline
at most 100 ms at 1M rows. The log is generated once by gen.py (bench/data/, as run.py's).
Never run by pytest or CI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

# Patterns a user types: an error code family, an alternation of apps, a miss.
PATTERNS = [r"aadsts7\d{4}", r"(okta|netsuite)\s", r"invalid_?grant", r"zq[xj]{2}\d+w"]
COUNT_KEYS = ["app", "outcome", "user", "action", "request_type"]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(fn, reps: int) -> list[float]:
    fn()  # warm: first-call costs (regex compilation caches, thread pools) are not the figure
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def measure(path: Path, reps: int) -> dict:
    import polars as pl

    from connlog_tui import counts, query, sources
    from connlog_tui.query import FilterState, regex_pattern
    from connlog_tui.schema import TEXT_COLUMNS

    t = time.perf_counter()
    frame = sources.load([str(path)], use_cache=False, lean=False).frame
    out: dict = {"rows": frame.height, "load_seconds": time.perf_counter() - t, "regex": {}}
    ours, polars_own = [], []
    for pattern in PATTERNS:
        full = regex_pattern(pattern)
        hit = pl.any_horizontal(
            pl.col(c).cast(pl.String).str.contains(full).fill_null(False) for c in TEXT_COLUMNS
        )
        mine = timed(lambda p=pattern: query.run(frame, FilterState(regex=p)), reps)
        floor = timed(lambda h=hit: frame.lazy().filter(h).select(pl.len()).collect(), reps)
        rows = query.run(frame, FilterState(regex=pattern)).count
        out["regex"][pattern] = {"rows": rows, "p95": p95(mine), "polars_p95": p95(floor)}
        ours += mine
        polars_own += floor
    out["regex_p95"], out["polars_p95"] = p95(ours), p95(polars_own)
    everything = query.run(frame, FilterState()).indices
    failures = query.run(frame, FilterState().with_picked("action", {"SSO Failed"})).indices
    out["count"] = {}
    for key in COUNT_KEYS:
        for name, view in (("all", everything), ("failures", failures)):
            samples = timed(lambda k=key, v=view: counts.count_by(frame, v, k), reps)
            out["count"][f"{key} ({name})"] = p95(samples)
    out["count_p95"] = max(out["count"].values())
    out["timeline"] = {
        name: p95(timed(lambda v=view: counts.timeline(frame, v), reps))
        for name, view in (("all", everything), ("failures", failures))
    }
    out["timeline_p95"] = max(out["timeline"].values())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--payload-bytes", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=10)
    args = parser.parse_args()
    from gen import generate

    path = HERE / "data" / f"connector_{args.rows}_{args.payload_bytes}_{args.seed}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} …", file=sys.stderr)
        generate(path, args.rows, args.payload_bytes, args.seed)
    out = measure(path, args.reps)
    # Figures taken on a shared machine mean little without its load beside them.
    out.update(payload_bytes=args.payload_bytes, load_average=os.getloadavg())
    ratio = out["regex_p95"] / out["polars_p95"]
    rows = [
        ("regex search p95", f"{out['regex_p95'] * 1000:.0f} ms ({ratio:.2f}x Polars)", "≤ 1.0x"),
        ("count view p95 (worst key)", f"{out['count_p95'] * 1000:.0f} ms", "≤ 100 ms"),
        ("timeline p95", f"{out['timeline_p95'] * 1000:.0f} ms", "≤ 100 ms"),
    ]
    for name, measured, target in rows:
        print(f"{name:<28} {measured:<26} {target}")
    print(json.dumps(out, indent=2, default=str), file=sys.stderr)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    name = f"verbs_{args.rows}_{args.payload_bytes}.json"
    (results / name).write_text(json.dumps(out, indent=2, default=str))
    return 0 if ratio <= 1.0 and max(out["count_p95"], out["timeline_p95"]) <= 0.1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
