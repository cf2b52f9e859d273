"""connlog scale-out benchmark: a hive-partitioned Parquet archive asked the browser's
questions through the log seam, by Polars lazily (ArchiveLog), by Spark over Spark Connect
(SparkLog, `local[2]`) and, as the reference, by the in-memory log of the same rows.

    python bench/scale.py --rows 1000000            # archive, Spark and in-memory
    python bench/scale.py --rows 10000000           # the issue's size (a few GB on disk)
    python bench/scale.py --smoke                   # CI: 20,000 rows, no Java, seconds

Each log runs in its own process (`--worker KIND`), so the peak RSS (VmHWM) is that of the
process holding the log alone; the Spark Connect server's JVM is measured apart. Prints
figure | measured | reference | target | pass and writes bench/results/scale_<rows>.json.
Never run by pytest. See bench/README.md ("Scale-out") for what each figure measures.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared import DATA, HERE, RESULTS, memory_state, vm_hwm  # noqa: E402

START = "2026-03-01T00:00:00"  # the generator's first timestamp (rows ~2.5 s apart)
CHUNK = 100_000  # rows generated, converted and written at a time
EXPORT_ROWS = 1_000_000  # the export figure's view: the oldest 1M rows (all, if fewer)
BLOCK = 256  # rows the table asks of a log at a time (ui/log_rows.py BLOCK)
RSS_TARGET = 500_000_000  # connlog's process, whatever the archive's size (issue 26)
SMOKE_ROWS = 20_000
# The in-memory log's peak over the archive's bytes (bench/results/scale_1000000.json's
# ratio, rounded up).
MEMORY_FACTOR = 6
SPARK_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
NEEDLE_HIT, NEEDLE_MISS = "AADSTS70008", "zqnosuchx"
KINDS = ("archive", "spark", "memory")
TITLES = {"archive": "archive (Polars lazy)", "spark": "Spark local[2]", "memory": "in-memory"}


# -- the archive --------------------------------------------------------------------------


def generate_archive(root: Path, rows: int, payload: int, seed: int) -> dict:
    """`rows` rows of bench/gen.py's connector log, read as connlog reads a connector log
    (`sources.base.build`: canonical columns and types) and written CHUNK rows at a time
    as `root/date=YYYY-MM-DD/part-NNNNN.parquet` (UTC days; a chunk's rows of one day in
    one file, so path order is time order). Built in `root.tmp`, renamed when complete."""
    import polars as pl
    from gen import _chunks

    from connlog_tui.sources.base import build
    from connlog_tui.sources.mangoapps import column_map

    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    files = 0
    for i, chunk in enumerate(_chunks(rows, payload, seed, CHUNK, START, False)):
        read = build(
            chunk.rename(column_map(chunk.columns)), source="connector", format="mangoapps"
        )
        if read.quarantine.height:
            raise SystemExit(f"generator wrote {read.quarantine.height} unreadable rows")
        frame = read.frame.with_columns(pl.col("time").dt.date().alias("date"))
        for (day,), part in frame.partition_by("date", as_dict=True, include_key=False).items():
            folder = tmp / f"date={day}"
            folder.mkdir(parents=True, exist_ok=True)
            part.write_parquet(folder / f"part-{i:05d}.parquet")
            files += 1
    tmp.rename(root)
    return {"files": files}


def archive_stats(root: Path) -> dict:
    files = sorted(root.rglob("*.parquet"))
    days = {f.parent.name for f in files}
    return {"files": len(files), "days": len(days), "bytes": sum(f.stat().st_size for f in files)}


def prepare(args) -> tuple[Path, dict]:
    root = DATA / f"archive_{args.rows}_{args.payload_bytes}_{args.seed}"
    raw: dict = {"rows": args.rows, "payload_bytes": args.payload_bytes, "seed": args.seed}
    if not root.exists():
        step(f"generating {root.name} …")
        t = time.perf_counter()
        generate_archive(root, args.rows, args.payload_bytes, args.seed)
        raw["generate_seconds"] = time.perf_counter() - t
    raw.update(archive_stats(root), path=root.name, commit=code_version())
    raw["disk_free"] = shutil.disk_usage(DATA).free
    raw["memory_at_start"] = memory_state()
    raw["loadavg_start"] = os.getloadavg()
    return root, raw


def code_version() -> str | None:
    """The commit measured (and "+changes" when the work tree differs from it)."""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        git = ["git", "-C", str(HERE.parent)]
        commit = subprocess.check_output([*git, "rev-parse", "--short", "HEAD"], text=True)
        changed = subprocess.check_output(
            [*git, "status", "--porcelain", "--untracked-files=no"], text=True
        )
        return commit.strip() + (" +changes" if changed.strip() else "")
    return None


def plan_for(root: Path, rows: int) -> dict:
    """What every worker asks: the export's bound (the time of the EXPORT_ROWS-th row) and
    a day in the middle of the archive for the date-range filter."""
    from connlog_tui.logs.archive import ArchiveLog
    from connlog_tui.query import FilterState

    log = ArchiveLog(root)
    n = min(EXPORT_ROWS, rows)
    last = log.page(FilterState(), n - 1, 1)["time"][0]
    first, newest = log.time_bounds()
    assert first is not None and newest is not None
    middle = first + (newest - first) / 2
    day = datetime(middle.year, middle.month, middle.day, tzinfo=UTC)
    return {"export_until": last.isoformat(), "export_rows": n, "day": day.isoformat()}


# -- the questions, asked of one log (in a worker process) -------------------------------


def states(plan: dict) -> dict[str, Any]:
    from connlog_tui.query import FilterState

    day = datetime.fromisoformat(plan["day"])
    return {
        "app Okta": FilterState().with_picked("app", {"Okta"}),
        "action SSO Failed": FilterState().with_picked("action", {"SSO Failed"}),
        "Okta + SSO Failed": FilterState()
        .with_picked("app", {"Okta"})
        .with_picked("action", {"SSO Failed"}),
        "one day": FilterState(since=day, until=day + timedelta(days=1, microseconds=-1)),
        "user grace.garcia": FilterState(user="grace.garcia"),
    }


def filter_run(log: Any, state: Any) -> tuple[int, float, float]:
    """What the browser does on a filter change (ui/app.py `_query_log`): `search` (count
    and facet counts), then the view's newest block read ahead. (count, search s, page s)."""
    t = time.perf_counter()
    matches = log.search(state)
    t_search = time.perf_counter() - t
    last_block = max(matches.count - 1, 0) // BLOCK * BLOCK
    t = time.perf_counter()
    log.page(matches, last_block, BLOCK)
    return matches.count, t_search, time.perf_counter() - t


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - t


def ask(log: Any, plan: dict, reps: int, out: dict) -> None:
    """Every figure's question, each result and time into `out`, VmHWM after each, and
    `out` saved after each (a log that runs out of time keeps the figures it finished).
    The searches come last: on Spark they are the slowest."""
    from connlog_tui.logs import ExportOptions
    from connlog_tui.query import FilterState

    hwm = out.setdefault("hwm", {})

    def done(name: str) -> None:
        hwm[name] = vm_hwm()
        checkpoint(plan, out)

    count, t_search, t_page = filter_run(log, FilterState())
    out["first_page"] = {"count": count, "search": t_search, "page": t_page}
    done("first_page")
    out["pane"] = {}
    for name, state in states(plan).items():
        runs = [filter_run(log, state) for _ in range(reps)]
        out["pane"][name] = {"count": runs[0][0], "seconds": [s + p for _, s, p in runs]}
    done("pane")
    facets, seconds = timed(log.facets, FilterState())
    out["facets"] = {"seconds": seconds, "counts": facets}
    done("facets")
    target = Path(plan["out_dir"]) / f"{out['kind']}.csv"
    target.unlink(missing_ok=True)
    until = datetime.fromisoformat(plan["export_until"])
    written, seconds = timed(log.export, FilterState(until=until), str(target), ExportOptions())
    out["export"] = {"rows": written, "seconds": seconds, **file_digest(target)}
    target.unlink()
    done("export")
    out["search"] = {}
    for needle in (NEEDLE_HIT, NEEDLE_MISS):
        count, t_search, t_page = filter_run(log, FilterState(search=needle))
        out["search"][needle] = {"count": count, "search": t_search, "page": t_page}
        done(f"search {needle}")


def checkpoint(plan: dict, out: dict) -> None:
    """`out` so far, with the peak RSS so far, into the worker's partial-results file."""
    partial = Path(plan["out_dir"]) / f"{out['kind']}.partial.json"
    partial.write_text(json.dumps({**out, "vm_hwm": vm_hwm()}, default=str))


def file_digest(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


class Skipped(Exception):
    """A log the worker does not open (said in the table as `skipped: why`)."""


def memory_check(root: str) -> None:
    """The in-memory reference runs only if its peak (MEMORY_FACTOR times the archive's
    bytes) takes at most half the memory available now: the machine is shared."""
    need = sum(f.stat().st_size for f in Path(root).rglob("*.parquet")) * MEMORY_FACTOR
    available = memory_state().get("MemAvailable", 0)
    if need > available / 2:
        raise Skipped(
            f"skipped: its peak would be ~{fmt_b(need)}, over half the {fmt_b(available)} "
            "of memory available"
        )


def open_log(kind: str, root: str, plan: dict) -> Any:
    from connlog_tui.logs.archive import ArchiveLog

    if kind == "archive":
        return ArchiveLog(root)
    if kind == "spark":
        from connlog_tui.logs.spark import SparkLog

        return SparkLog(plan["url"], root)
    from connlog_tui.logs.memory import MemoryLog
    from connlog_tui.schema import COLUMNS

    memory_check(root)
    # The same rows read whole into memory (the frame a load of them would give).
    lazy = ArchiveLog(root).lazy.select(c.name for c in COLUMNS)
    return MemoryLog(lazy.collect(engine="streaming"), name="archive, loaded")


def worker(kind: str, root: str, plan: dict, reps: int) -> dict:
    out: dict = {"kind": kind}
    try:
        log, out["open"] = timed(open_log, kind, root, plan)
    except Skipped as why:
        return {"error": str(why)}
    out["rows"], out["describe"] = timed(lambda: log.describe().rows)
    out["hwm"] = {"open": vm_hwm()}
    checkpoint(plan, out)
    try:
        ask(log, plan, reps, out)
    finally:
        if kind == "spark":
            log.close()
    out["vm_hwm"] = vm_hwm()
    return out


def run_worker(kind: str, root: Path, plan: dict, reps: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--path", str(root)]
    cmd += ["--plan", json.dumps(plan), "--reps", str(reps)]
    step(f"{TITLES[kind]} …")
    partial = Path(plan["out_dir"]) / f"{kind}.partial.json"
    partial.unlink(missing_ok=True)
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return unfinished(partial, f"did not finish in {timeout:.0f} s")
    if proc.returncode != 0:
        return unfinished(partial, (proc.stderr.strip().splitlines() or ["failed"])[-1])
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    found["wall"] = time.perf_counter() - t
    return found


def unfinished(partial: Path, why: str) -> dict:
    """A worker that failed or ran out of time: the figures it finished, and why not more
    (`unfinished`; a worker with no finished figure is an `error`)."""
    with contextlib.suppress(OSError, ValueError):
        found = json.loads(partial.read_text())
        if "first_page" in found:
            return {**found, "unfinished": why}
    return {"error": why}


# -- the Spark Connect server (as tests/spark/conftest.py starts it) -----------------------


class SparkServer:
    """A Spark Connect server on 127.0.0.1 (`local[2]`), from the full pyspark package,
    stopped with SIGTERM to its process group on exit."""

    def __init__(self, driver_memory: str, work: Path) -> None:
        self.driver_memory, self.work = driver_memory, work
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def command(self, home: Path) -> list[str]:
        conf = {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.host": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.sql.session.timeZone": "UTC",
            "spark.local.dir": str(self.work / "local"),
            "spark.sql.warehouse.dir": str(self.work / "warehouse"),
            "spark.sql.shuffle.partitions": "2",
        }
        command = [str(home / "bin" / "spark-submit"), "--class", SPARK_CLASS]
        command += ["--master", "local[2]", "--driver-memory", self.driver_memory]
        for key, value in conf.items():
            command += ["--conf", f"{key}={value}"]
        return command

    def start(self, timeout: float = 300.0) -> str:
        import pyspark

        home = Path(pyspark.__file__).parent
        if not (home / "bin" / "spark-submit").is_file() or shutil.which("java") is None:
            raise RuntimeError("needs Java and the full pyspark (pip install 'pyspark[connect]')")
        shutil.rmtree(self.work, ignore_errors=True)
        (self.work / "local").mkdir(parents=True)
        (self.work / "conf").mkdir()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = dict(os.environ, SPARK_HOME=str(home), SPARK_CONF_DIR=str(self.work / "conf"))
        env["SPARK_LOCAL_IP"] = "127.0.0.1"
        with (self.work / "server.log").open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(home),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.work,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self._listening():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Spark Connect server did not start ({self.work})")
            time.sleep(0.5)
        return f"sc://127.0.0.1:{self.port}"

    def _listening(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(1.0)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def jvm_hwm(self) -> int | None:
        """VmHWM of the server's java process (in its process group)."""
        if self.proc is None:
            return None
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError):
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
                if comm == "java" and os.getpgid(int(pid)) == self.proc.pid:
                    return vm_hwm(pid)
        return None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def measure_spark(root: Path, plan: dict, args) -> dict:
    server = SparkServer(args.driver_memory, DATA / f"spark-server-{args.rows}-{os.getpid()}")
    try:
        t = time.perf_counter()
        try:
            url = server.start()
        except RuntimeError as exc:
            return {"error": str(exc)}
        started = time.perf_counter() - t
        timeout = args.spark_timeout or args.timeout
        if args.spark_until:
            timeout = min(timeout, seconds_until(args.spark_until))
        found = run_worker("spark", root, {**plan, "url": url}, args.spark_reps, timeout)
        found.update(server_start=started, jvm_hwm=server.jvm_hwm())
        found["driver_memory"] = args.driver_memory
        return found
    finally:
        server.stop()


def seconds_until(when: str) -> float:
    """Seconds from now to `when`: a UTC time today (HH:MM) or an ISO date and time."""
    now = datetime.now(UTC)
    if len(when) <= 5:
        hours, minutes = (int(x) for x in when.split(":"))
        until = now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    else:
        until = datetime.fromisoformat(when).replace(tzinfo=UTC)
    return (until - now).total_seconds()


# -- the table ----------------------------------------------------------------------------


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def fmt_b(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e9:.2f} GB" if x >= 1e9 else f"{x / 1e6:.0f} MB"


def pane_seconds(found: dict) -> list[float]:
    """Each filter's first run: a repeat is not what a user waits for (the in-memory log
    keeps its last results, and answers a repeat from them)."""
    return [p["seconds"][0] for p in found["pane"].values()]


def seconds_of(found: dict, figure: str) -> float | None:
    """The figure's time of one log's results (None when it did not run)."""
    try:
        return _seconds_of(found, figure)
    except KeyError:
        return None


def _seconds_of(found: dict, figure: str) -> float | None:
    if figure == "open":
        return found["open"] + found["describe"]
    if figure == "first page":
        return found["first_page"]["search"] + found["first_page"]["page"]
    if figure == "pane filter":
        return statistics.median(pane_seconds(found))
    if figure == "facet counts":
        return found["facets"]["seconds"]
    if figure.startswith("search"):
        hit = found["search"][figure.split()[-1]]
        return hit["search"] + hit["page"]
    return found["export"]["seconds"]


def notes(found: dict, figure: str) -> str:
    try:
        return _notes(found, figure)
    except KeyError:
        return "did not run: " + found.get("error", found.get("unfinished", "?"))


def _notes(found: dict, figure: str) -> str:
    if figure == "first page":
        fp = found["first_page"]
        return f"search {fmt_s(fp['search'])} + newest block {fmt_s(fp['page'])}"
    if figure == "pane filter":
        each = ", ".join(f"{n} {fmt_s(p['seconds'][0])}" for n, p in found["pane"].items())
        return f"median of {len(pane_seconds(found))} filters: {each}"
    if figure.startswith("search"):
        hit = found["search"][figure.split()[-1]]
        return f"{hit['count']:,} rows; search {fmt_s(hit['search'])} + page {fmt_s(hit['page'])}"
    if figure.startswith("export"):
        ex = found["export"]
        return f"{ex['rows']:,} rows, {fmt_b(ex['bytes'])}, sha256 {ex['sha256'][:12]}"
    return ""


FIGURES = ["open", "first page", "pane filter", "facet counts"]
FIGURES += [f"search {NEEDLE_HIT}", f"search {NEEDLE_MISS}", "export"]


def figure_rows(raw: dict) -> list[dict]:
    rows = []
    memory = raw.get("memory", {})
    for figure in FIGURES:
        reference = seconds_of(memory, figure)
        for kind in ("archive", "spark"):
            found = raw.get(kind, {})
            if "error" in found:
                continue
            measured = seconds_of(found, figure)
            note = notes(found, figure)
            if reference is not None and memory:
                note = f"{note}; in-memory: {notes(memory, figure)}" if note else note
            label = figure if figure != "export" else f"{raw['plan']['export_rows']:,}-row export"
            rows.append(
                {
                    "figure": f"{label}, {TITLES[kind]}",
                    "measured": fmt_s(measured),
                    "reference": ref_text(reference, measured, memory),
                    "target": "none (recorded)",
                    "pass": "n/a",
                    "note": note,
                }
            )
    return rows


def ref_text(reference: float | None, measured: float | None, memory: dict) -> str:
    if reference is None:
        return "n/a (in-memory: not run)" if "error" in memory else "n/a"
    ratio = f" ({measured / reference:.1f}x)" if measured and reference else ""
    return f"{fmt_s(reference)} in-memory{ratio}"


def check_rows(raw: dict) -> list[dict]:
    """The pass/fail rows: peak RSS under the target, and every log's answers equal."""
    rows = []
    for kind in KINDS:
        found = raw.get(kind, {})
        if "error" in found:
            rows.append(failed_row(kind, found["error"]))
            continue
        if kind == "memory":
            continue
        peak = found["vm_hwm"]
        steps = ", ".join(f"{k} {fmt_b(v)}" for k, v in found["hwm"].items())
        if "unfinished" in found:
            steps += f"; UNFINISHED: {found['unfinished']}"
        if kind == "spark":
            steps += f"; the server's JVM (driver memory {found['driver_memory']}) "
            steps += f"{fmt_b(found.get('jvm_hwm'))}, started in {fmt_s(found['server_start'])}"
        rows.append(
            {
                "figure": f"peak RSS of connlog's process, {TITLES[kind]}",
                "measured": fmt_b(peak),
                "reference": memory_ref(raw.get("memory", {})),
                "target": "< 0.5 GB",
                "pass": "yes" if peak is not None and peak < RSS_TARGET else "NO",
                "note": f"VmHWM after each step: {steps}",
            }
        )
    rows.append(agreement_row(raw))
    return rows


def memory_ref(memory: dict) -> str:
    if "error" in memory:
        return "n/a (in-memory: not run)"
    return f"{fmt_b(memory.get('vm_hwm'))} in-memory"


def failed_row(kind: str, error: str) -> dict:
    return {
        "figure": f"{TITLES[kind]}",
        "measured": "n/a",
        "reference": "",
        "target": "runs",
        "pass": "n/a" if error.startswith("skipped") else "NO",
        "note": error,
    }


ANSWERS = {  # what must be equal between the logs: where it is in a worker's results
    "rows": ("rows",),
    "first_page": ("first_page", "count"),
    "facets": ("facets", "counts"),
    "export": ("export", "sha256"),
    "export rows": ("export", "rows"),
    **{f"search {n}": ("search", n, "count") for n in (NEEDLE_HIT, NEEDLE_MISS)},
}


def answers(found: dict) -> dict:
    """The answers a log gave (of the questions it finished)."""
    out: dict[str, Any] = {}
    for key, path in ANSWERS.items():
        with contextlib.suppress(KeyError):
            value: Any = found
            for part in path:
                value = value[part]
            out[key] = value
    with contextlib.suppress(KeyError):
        out["pane"] = {n: p["count"] for n, p in found["pane"].items()}
    return out


def agreement_row(raw: dict) -> dict:
    ran = {k: answers(raw[k]) for k in KINDS if k in raw and "error" not in raw[k]}
    differ = sorted(
        {k for a in ran.values() for b in ran.values() for k in a if k in b and a[k] != b[k]}
    )
    note = "compared: " + ", ".join(f"{TITLES[k]} ({len(a)} answers)" for k, a in ran.items())
    exported = next((a for a in ran.values() if "export" in a), None)
    if exported is not None:
        note += f"; export {exported['export rows']:,} rows, sha256 {exported['export'][:12]}"
    return {
        "figure": "answers and export bytes agree",
        "measured": "n/a"
        if len(ran) < 2
        else "differ: " + ", ".join(differ)
        if differ
        else "equal",
        "reference": "in-memory" if "memory" in ran else "n/a",
        "target": "identical",
        "pass": "n/a" if len(ran) < 2 else "NO" if differ else "yes",
        "note": note,
    }


def table(rows: list[dict]) -> str:
    cols = ["figure", "measured", "reference", "target", "pass"]
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]
    out = [" | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    out.append("-|-".join("-" * w for w in widths))
    for r in rows:
        out.append(" | ".join(r[c].ljust(w) for c, w in zip(cols, widths, strict=True)))
        if r["note"]:
            out.append("    ↳ " + r["note"])
    return "\n".join(out)


def heading(raw: dict) -> str:
    mem = raw["memory_at_start"]
    return (
        f"{raw['rows']:,} rows, {fmt_b(raw['bytes'])} of Parquet in {raw['files']} files over "
        f"{raw['days']} days ({raw['path']}), commit {raw.get('commit', 'not recorded')}; "
        f"disk free {fmt_b(raw['disk_free'])}; memory "
        f"available at start {fmt_b(mem.get('MemAvailable'))} of {fmt_b(mem.get('MemTotal'))}; "
        f"{os.cpu_count()} cores, load average at start "
        f"{', '.join(f'{x:.1f}' for x in raw['loadavg_start'])}, at the end "
        f"{', '.join(f'{x:.1f}' for x in raw['loadavg_end'])} (other people's work counts too)"
    )


# -- main ---------------------------------------------------------------------------------


def step(label: str) -> None:
    print(f"· {label}", file=sys.stderr, flush=True)


def measure(root: Path, raw: dict, args) -> None:
    out_dir = DATA / f"scale-exports-{args.rows}-{os.getpid()}"
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = {**plan_for(root, args.rows), "out_dir": str(out_dir)}
    raw["plan"] = plan
    if args.no_archive:
        raw["archive"] = {"error": "skipped (--no-archive)"}
    else:
        raw["archive"] = run_worker("archive", root, plan, args.reps, args.timeout)
    if args.no_memory:
        raw["memory"] = {"error": "skipped (--no-memory)"}
    else:
        raw["memory"] = run_worker("memory", root, plan, args.reps, args.timeout)
    if args.no_spark:
        raw["spark"] = {"error": "skipped (--no-spark)"}
    else:  # last: the slowest, and the one a deadline (--spark-until) cuts short
        raw["spark"] = measure_spark(root, plan, args)
    shutil.rmtree(out_dir, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, help=f"rows (default 1,000,000; {SMOKE_ROWS:,} --smoke)")
    ap.add_argument("--payload-bytes", type=int, default=600, help="mean SAML payload (600)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reps", type=int, default=3, help="runs of each pane filter (3)")
    ap.add_argument("--spark-reps", type=int, default=1, help="on Spark (1)")
    ap.add_argument("--driver-memory", default="4g", help="the Spark server's (4g)")
    ap.add_argument("--no-spark", action="store_true", help="archive and in-memory only")
    ap.add_argument("--no-memory", action="store_true", help="no in-memory reference")
    ap.add_argument("--no-archive", action="store_true", help="no Polars lazy archive")
    ap.add_argument("--timeout", type=float, default=7200, help="per log, seconds (7200)")
    ap.add_argument("--spark-timeout", type=float, help="Spark's (default: --timeout)")
    ap.add_argument("--spark-until", help="stop Spark at this UTC time (HH:MM today, or ISO)")
    ap.add_argument("--smoke", action="store_true", help="CI: tiny archive, no Java")
    ap.add_argument("--out", help="results JSON (default bench/results/scale_<rows>.json)")
    ap.add_argument("--table-from", help="reprint the table of a results JSON (its raw part)")
    ap.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--plan", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.path, json.loads(args.plan), args.reps)))
        return 0
    if args.table_from:
        saved = json.loads(Path(args.table_from).read_text())
        saved["table"] = figure_rows(saved["raw"]) + check_rows(saved["raw"])
        print(f"\n{heading(saved['raw'])}\n\n{table(saved['table'])}")
        Path(args.table_from).write_text(json.dumps(saved, indent=2, default=str) + "\n")
        return 0
    if args.smoke:
        args.rows, args.no_spark, args.reps = args.rows or SMOKE_ROWS, True, 1
        args.out = args.out or str(DATA / "scale_smoke.json")
    args.rows = args.rows or 1_000_000
    args.out = args.out or str(RESULTS / f"scale_{args.rows}.json")
    root, raw = prepare(args)
    step(heading_start(raw))
    measure(root, raw, args)
    raw["loadavg_end"] = os.getloadavg()
    rows = figure_rows(raw) + check_rows(raw)
    print(f"\n{heading(raw)}\n\n{table(rows)}")
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "table": rows, "raw": raw}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, default=str) + "\n")
    tmp.replace(args.out)
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return smoke_verdict(raw) if args.smoke else 0


def heading_start(raw: dict) -> str:
    return (
        f"{raw['path']}: {raw['rows']:,} rows, {fmt_b(raw['bytes'])}, {raw['files']} files; "
        f"disk free {fmt_b(raw['disk_free'])}; load average "
        f"{', '.join(f'{x:.1f}' for x in raw['loadavg_start'])}"
    )


def smoke_verdict(raw: dict) -> int:
    """1 when the archive or in-memory log failed to run or their answers differ; never on
    a time."""
    failed = [k for k in ("archive", "memory") if "error" in raw.get(k, {"error": "missing"})]
    for kind in failed:
        print(f"scale smoke: {kind} failed: {raw[kind]['error']}", file=sys.stderr)
    if not failed and agreement_row(raw)["pass"] != "yes":
        print("scale smoke: the answers differ", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
