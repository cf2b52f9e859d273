"""`connlog count`: the distinct values of a column or payload field under the filters."""

from __future__ import annotations

import sys

from connlog_tui.cli.args import count_parser
from connlog_tui.cli.inputs import archive_path, decide_memory, flat, options_from, take_stdin
from connlog_tui.errors import ConnlogError
from connlog_tui.options import filter_state, open_log


def run_count(argv: list[str]) -> int:
    args = count_parser().parse_args(argv)
    if getattr(args, "spark", None) is not None:
        raise ConnlogError("connlog count does not run on Spark yet: use connlog --spark")
    take_stdin(args)
    decide_memory(args)
    from connlog_tui import counts
    from connlog_tui.logs.base import Counts

    key = counts.count_key(args.by)  # a bad key stops here, before reading
    archive = archive_path(args)
    options = options_from(args)
    for warning in options.warnings:
        print(f"connlog: {flat(warning)}", file=sys.stderr)
    log = open_log(options, archive)
    if not isinstance(log, Counts):
        raise ConnlogError(f"{log.describe().kind} logs cannot be counted by a key yet")
    state = filter_state(options, log)
    table = log.count_by(state, key)
    if args.json:
        import json

        rows = [dict(zip(("value", "count", "share"), r, strict=True)) for r in table.rows()]
        data = {"by": key.label, "rows": log.count(state), "of": log.describe().rows}
        data["values"] = rows
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print_counts(table, key.label, sys.stdout)
    return 0


COUNT_WIDTH = 60  # a value longer than this is cut in the table (never in --json)


def print_counts(table, label: str, out) -> None:
    """The counts as an aligned table: value, count, share in percent."""
    values = [flat(v)[:COUNT_WIDTH] if v is not None else "(none)" for v in table["value"]]
    width = max(len(label), *(len(v) for v in values), 5) if values else len(label)
    print(f"{flat(label)[:COUNT_WIDTH]:<{width}}  {'COUNT':>9}  {'SHARE':>6}", file=out)
    for value, count, share in zip(values, table["count"], table["share"], strict=True):
        print(f"{value:<{width}}  {count:>9}  {share:>6.1%}", file=out)
