"""`connlog export`: the rows matching the filters written to a file, without the browser."""

from __future__ import annotations

import sys
from pathlib import Path

from connlog_tui.cli.args import export_parser
from connlog_tui.cli.inputs import (
    archive_path,
    decide_memory,
    expand_inputs,
    flat,
    options_from,
    resolve_spark,
    take_stdin,
)
from connlog_tui.errors import ConnlogError
from connlog_tui.options import Options, filter_state, open_log


def run_export(argv: list[str]) -> int:
    args = export_parser().parse_args(argv)
    spark = resolve_spark(args)
    take_stdin(args)
    decide_memory(args)
    archive = archive_path(args)
    from connlog_tui.config import Config
    from connlog_tui.export import provenance_record
    from connlog_tui.logs import ExportOptions

    options = options_from(args)
    if args.view and options.view is None:  # a broken views file: don't export everything
        raise ConnlogError(options.warnings[-1].rsplit(" (starting without", 1)[0])
    for warning in options.warnings:
        print(f"connlog: {flat(warning)}", file=sys.stderr)
    # A one-shot export reads a cache entry when there is one but writes none: at exit it
    # would wait for that write, which costs more than the export (the browser writes it).
    options.spark = spark
    log = open_log(options, archive, write_cache=False)
    state = filter_state(options, log)
    for name, reason in getattr(log, "skipped", ()):
        print(f"connlog: skipped {flat(name)}: {flat(reason)}", file=sys.stderr)
    if args.failures_only:
        state = state.with_picked("outcome", {"failure"})
    inputs = () if spark else tuple(path for path, _ in expand_inputs(options))
    sources = [log.describe().name] if spark else inputs
    export_options = ExportOptions(
        guard=(options.config or Config()).formula_guard if args.guard is None else args.guard,
        force=args.force,
        inputs=inputs,
        redact=args.redact,
        provenance=provenance_record(sources=sources, state=state) if args.provenance else None,
        diagnose=args.failures_only or args.diagnose,
        marks=_marks(options) if spark is None else None,  # Spark: exported without notes
    )
    try:
        if args.partition_by:
            from connlog_tui.logs.partition import export_by_day

            written = export_by_day(log, state, Path(args.output), export_options)
        else:
            written = log.export(state, args.output, export_options)
        total = log.describe().rows
    finally:
        if spark:
            log.close()  # type: ignore[attr-defined]
    where = "stdout" if args.output == "-" else args.output
    print(f"connlog: wrote {written} of {total} rows to {where}", file=sys.stderr)
    quarantined = log.quarantine().height
    if args.report:
        print_report(log, sys.stderr)
    elif quarantined:
        print(
            f"connlog: {quarantined} unparseable rows were quarantined "
            "(not exported; --report lists them, or open the log in connlog)",
            file=sys.stderr,
        )
    return 0


def _marks(options: Options):
    """The log's marks, whose notes go into a Note column (connlog_tui.marks; a broken
    marks file is said on stderr and the export goes on without notes)."""
    from connlog_tui import marks

    try:
        return marks.Marks.load(options.paths)
    except ConnlogError as exc:
        print(f"connlog: {flat(str(exc))} (exporting without notes)", file=sys.stderr)
        return None


REPORT_ROWS = 5  # quarantined rows listed per file by --report


def print_report(log, out) -> None:
    """Per file: `FILE: N rows read = L loaded + Q quarantined`, then its first
    quarantined rows (line: reason: text); then the totals. An archive was checked when
    it was written: its row count only."""
    import polars as pl

    info = log.describe()
    files = getattr(log, "files", None)
    if files is None:
        print(f"{flat(info.name)}: {info.rows} rows ({info.kind}: none quarantined)", file=out)
        return
    quarantine = log.quarantine()
    for name, good, bad in files:
        print(f"{flat(name)}: {_count(good + bad, good, bad)}", file=out)
        rows = quarantine.filter(pl.col("source") == name).head(REPORT_ROWS)
        for line, reason, text in rows.select("line", "reason", "text").iter_rows():
            where = f"line {line}" if line is not None else "line ?"
            shown = f" | {flat(text)[:80]}" if text else ""
            print(f"  {where}: {flat(reason)}{shown}", file=out)
        if bad > REPORT_ROWS:
            print(f"  ... and {bad - REPORT_ROWS} more quarantined rows", file=out)
    good = sum(g for _, g, _ in files)
    bad = sum(b for _, _, b in files)
    count = len(files)
    print(f"total ({count} file{'s' * (count != 1)}): {_count(good + bad, good, bad)}", file=out)


def _count(read: int, good: int, bad: int) -> str:
    return f"{read} rows read = {good} loaded + {bad} quarantined"
