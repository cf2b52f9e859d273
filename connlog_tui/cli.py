"""The `connlog` command: browse (the default), export, decode and formats."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

from connlog_tui import __version__
from connlog_tui.errors import ConnlogError
from connlog_tui.options import Options, filter_state, open_log, start_preview
from connlog_tui.textsafe import escape_controls

EXAMPLES = """\
examples:
  connlog --demo                                   open the built-in demo log
  connlog logs/connector.csv --action "SSO Failed"  open a log, showing failures only
  connlog logs/ --since 2026-03-01 --user jane      every log in a folder, merged in time
  connlog export log.csv --action "SSO Failed" -o failures.csv
  connlog export log.csv --since 24h -o - | head   CSV to stdout
  connlog export log.csv --redact --provenance -o ticket.csv   masked, with a sidecar
  connlog export log.csv --action "SSO Failed" -o report.pdf   a PDF report
  connlog log.csv --view sso-failures --tz Europe/Berlin       a saved view, Berlin time
  connlog --config-path                            where the config file lives
  connlog log.csv --exclude-app Okta --regex 'aadsts7[0-9]+'  hide Okta, regex search
  connlog count log.csv --action "SSO Failed" --by client.userAgent.browser
  ssh host cat connector.csv | connlog -         a log from a pipe (keys from the terminal)
  connlog decode 'SAMLResponse=PHNhbWxwOl...'      decode one payload
  connlog formats                                  list the log formats connlog reads

keys in the browser: / search, x clear filters, e export, enter payloads, ? help, q quit
"""


def demo_paths() -> list[str]:
    data = resources.files("connlog_tui") / "data"
    names = ["demo_connector_log.csv", "demo_okta_system_log.jsonl"]
    return [str(data / n) for n in names if (data / n).is_file()]


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="log files or directories")
    parser.add_argument("--format", help="read every file as this format (see `connlog formats`)")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a canonical column to a source field (nested: a.b.c); repeatable",
    )
    parser.add_argument(
        "--no-cache",
        dest="use_cache",
        action="store_false",
        help="read the files afresh: neither use nor write the columnar cache",
    )
    memory = parser.add_mutually_exclusive_group()
    memory.add_argument(
        "--lean",
        dest="lean",
        action="store_const",
        const=True,
        default=None,
        help="leave payloads on disk and read them per row (default: when the files are "
        "bigger than memory_budget, a quarter of available memory unless configured)",
    )
    memory.add_argument(
        "--in-memory",
        dest="lean",
        action="store_const",
        const=False,
        help="hold every payload in memory, however big the files",
    )
    parser.add_argument(
        "--plus-addressing",
        action="store_true",
        help="match users ignoring +tags: jane+sso@x.example is jane@x.example",
    )
    parser.add_argument(
        "--spark",
        nargs="?",
        const="",
        metavar="URL",
        help="the one PATH is a table or a Parquet path a Spark cluster reads, through Spark "
        "Connect at URL (sc://host:port; default: $SPARK_REMOTE); needs connlog[spark]",
    )
    filters = parser.add_argument_group("filters")
    filters.add_argument("--app", action="append", default=[], help="Application To/From")
    filters.add_argument("--action", action="append", default=[], help="Action, e.g. 'SSO Failed'")
    filters.add_argument("--request-type", action="append", default=[], help="Request Type")
    filters.add_argument("--user", default="", help="substring of Email ID/Login ID")
    filters.add_argument("--since", metavar="WHEN", help="from this time (inclusive, --tz zone)")
    filters.add_argument("--until", metavar="WHEN", help="to this time (inclusive, --tz zone)")
    filters.add_argument("--search", default="", help="text anywhere in a row, payloads too")
    for flag, what in (
        ("app", "Application To/From"),
        ("action", "Action"),
        ("request-type", "Request Type"),
        ("outcome", "Outcome, e.g. failure"),
    ):
        filters.add_argument(
            f"--exclude-{flag}",
            action="append",
            default=[],
            metavar="TEXT",
            help=f"hide this {what} (repeatable)",
        )
    filters.add_argument(
        "--exclude-user", default="", metavar="TEXT", help="hide users holding this text"
    )
    filters.add_argument(
        "--exclude-search", default="", metavar="TEXT", help="hide rows holding this text"
    )
    filters.add_argument(
        "--regex",
        default="",
        metavar="PATTERN",
        help="regular expression anywhere in a row, payloads too (Rust syntax, "
        "case-insensitive unless it starts with (?-i))",
    )
    filters.add_argument(
        "--view", metavar="NAME", help="start from a saved view; filter flags add to it"
    )
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        help="display zone: UTC, local or an IANA name like Europe/Berlin; --since/--until "
        "without an offset are read in it (default: the config file's, else UTC)",
    )


def browse_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connlog",
        description="Browse, filter and export connector logs (SSO, API calls, imports).\n"
        "Subcommands: connlog export ..., connlog count ..., connlog decode ..., "
        "connlog formats. PATH - reads the log from standard input.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_input_options(parser)
    parser.add_argument("--demo", action="store_true", help="open the built-in demo log")
    parser.add_argument(
        "--follow",
        action="store_true",
        help="keep reading rows appended to the logs (survives rotation and truncation)",
    )
    parser.add_argument(
        "--config-path", action="store_true", help="print where the config file is, and exit"
    )
    parser.add_argument("--version", action="version", version=f"connlog {__version__}")
    return parser


def export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connlog export",
        description="Write the rows matching the filters to OUT, without opening the browser. "
        "OUT's extension picks the format: .csv, .jsonl, .json, .parquet or .pdf; - is CSV on "
        "stdout.",
    )
    _add_input_options(parser)
    parser.add_argument("-o", "--output", required=True, metavar="OUT")
    parser.add_argument(
        "--partition-by",
        choices=["day"],
        help="write OUT as a Parquet archive: one file per UTC day under OUT/date=YYYY-MM-DD/ "
        "(a day written again is replaced; other days are kept)",
    )
    parser.add_argument("--demo", action="store_true", help="export from the built-in demo log")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument(
        "--no-formula-guard",
        dest="guard",
        action="store_false",
        default=None,
        help="do not prefix CSV cells starting with = + - @ tab CR with a quote",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="mask emails, NameIDs, tokens, cookies and IP addresses (consistently)",
    )
    parser.add_argument(
        "--provenance",
        action="store_true",
        help="also write OUT.provenance.json: sources, filters, row count, version, time",
    )
    parser.add_argument(
        "--failures-only",
        action="store_true",
        help="only failed events (each exported with its Diagnosis)",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="say on stderr, per file, how many rows were read, loaded and quarantined, "
        "with the first quarantined rows (line and reason)",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="fill the Diagnosis column of failed rows (decodes their payloads, about 1 ms "
        "a row; always on with --failures-only)",
    )
    return parser


def count_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connlog count",
        description="Count the distinct values of a column, or of a field inside the JSON "
        "payloads, in the rows matching the filters: value, count and share, most frequent "
        "first.",
    )
    _add_input_options(parser)
    parser.add_argument(
        "--by",
        required=True,
        metavar="COLUMN|FIELD_PATH",
        help="a column (outcome, ip, user, reason, source, format, request_type, ... or its "
        "export header) or a field path in the payloads, e.g. client.userAgent.browser",
    )
    parser.add_argument("--json", action="store_true", help="write JSON instead of a table")
    parser.add_argument("--demo", action="store_true", help="count in the built-in demo log")
    return parser


def options_from(args: argparse.Namespace) -> Options:
    from connlog_tui import config as settings
    from connlog_tui import views
    from connlog_tui.timezones import parse_in_zone

    paths = list(args.paths)
    if args.demo:
        paths = demo_paths() + paths
    if not paths:
        raise ConnlogError(f"no log given (try `connlog --demo` or `connlog --help`){_recent()}")
    if args.regex:
        from connlog_tui.query import regex_pattern

        regex_pattern(args.regex)  # an invalid pattern stops here, before any reading
    mappings = {}
    for item in args.map:
        column, sep, field = item.partition("=")
        if not sep or not column or not field:
            raise ConnlogError(f"--map wants COLUMN=FIELD, got {item!r}")
        mappings[column.strip()] = field.strip()
    loaded, warning = settings.load_or_default()
    warnings = [warning] if warning else []
    merged = settings.merge(loaded, {"timezone": getattr(args, "tz", None)})
    zone = merged.timezone
    view = None
    if getattr(args, "view", None):
        try:
            saved = views.load_views()
        except ConnlogError as exc:
            warnings.append(f"{exc} (starting without the view {args.view!r})")
        else:
            view = saved.get(args.view) or views.load_view(args.view)
    return Options(
        paths=paths,
        format=args.format,
        mappings=mappings,
        picked={"app": args.app, "action": args.action, "request_type": args.request_type},
        user=args.user,
        since=parse_in_zone(args.since, zone) if args.since else None,
        until=parse_in_zone(args.until, zone, end=True) if args.until else None,
        search=args.search,
        excluded={
            "app": args.exclude_app,
            "action": args.exclude_action,
            "request_type": args.exclude_request_type,
            "outcome": args.exclude_outcome,
        },
        exclude_user=args.exclude_user,
        exclude_search=args.exclude_search,
        regex=args.regex,
        use_cache=args.use_cache,
        lean=args.lean,
        follow=getattr(args, "follow", False),
        plus_addressing=args.plus_addressing,
        config=merged,
        zone=zone,
        view=view,
        warnings=warnings,
    )


def take_stdin(args: argparse.Namespace, implicit: bool = False) -> None:
    """Read a `-` path from standard input into a temporary file (connlog_tui.stdin)
    that stands in for it, never cached. `implicit`: with no path given and standard
    input not a terminal, read it too (`... | connlog`)."""
    from connlog_tui import stdin

    paths = list(args.paths)
    if implicit and not paths and not args.demo and stdin.piped():
        print("connlog: reading the log from standard input", file=sys.stderr)
        paths = [stdin.STDIN]
    if paths.count(stdin.STDIN) > 1:
        raise ConnlogError("standard input (-) can be given once")
    if stdin.STDIN in paths:
        try:
            spooled = str(stdin.spool())
        except stdin.Empty:
            if not implicit:
                raise
            return  # nothing piped in: as if no log was given
        args.paths = [spooled if p == stdin.STDIN else p for p in paths]
        args.use_cache = False
        args.stdin = True


def _recent() -> str:
    """The files opened last, to offer when none is given."""
    from connlog_tui import views

    try:
        recent = [p for p in views.recent_files() if Path(p).exists()][:3]
    except ConnlogError:
        return ""
    return f"; recent: {' '.join(recent)}" if recent else ""


def resolve_spark(args: argparse.Namespace) -> tuple[str, str] | None:
    """(URL, table or path) for `--spark`, None without it. `--spark TABLE` (no URL)
    takes the URL from SPARK_REMOTE, as pyspark does. The URL is never printed."""
    import importlib.util

    from connlog_tui.logs.spark import INSTALL_HINT

    given = getattr(args, "spark", None)
    if given is None:
        return None
    url, paths = given, list(args.paths)
    if not given.startswith("sc://"):
        url = os.environ.get("SPARK_REMOTE", "")
        paths = [given, *paths] if given else paths
        if not url:
            raise ConnlogError("--spark needs a URL (--spark sc://host:15002) or SPARK_REMOTE")
    if len(paths) != 1 or args.demo:
        raise ConnlogError("--spark reads one table or path: connlog --spark URL TABLE_OR_PATH")
    if args.format or args.map or getattr(args, "follow", False):
        raise ConnlogError("--format, --map and --follow do not apply to --spark")
    if importlib.util.find_spec("pyspark") is None:
        raise ConnlogError(INSTALL_HINT)
    args.paths, args.lean = paths, False
    return url, paths[0]


def archive_path(args: argparse.Namespace) -> str | None:
    """The hive-partitioned Parquet archive given as the only path, if that is what it
    is (`date=.../*.parquet` under it); ConnlogError for flags that do not apply to one."""
    from connlog_tui.hive import is_archive

    if getattr(args, "spark", None) is not None:
        return None
    found = [p for p in args.paths if is_archive(p)]
    if not found:
        return None
    if len(args.paths) != 1 or args.demo:
        raise ConnlogError("a Parquet archive is opened on its own, not with other logs", found[0])
    if args.format or args.map:
        raise ConnlogError("--format and --map do not apply to a Parquet archive", found[0])
    return found[0]


def decide_memory(args: argparse.Namespace) -> None:
    """Settle in-memory or lean (payloads on disk) from the flags, the files' size and
    the configured budget, before anything imports Polars (lean mode tunes its allocator)."""
    from connlog_tui import memory

    if getattr(args, "spark", None) is not None:
        return  # nothing is loaded: the cluster answers each question
    if archive_path(args) is not None:
        args.lean = False  # nothing is loaded: the archive is scanned per question
        return
    if args.lean is None:
        paths = list(args.paths) + (demo_paths() if args.demo else [])
        budget = memory.configured_budget()
        args.lean = memory.should_be_lean(memory.input_bytes(paths), budget)
    if args.lean:
        memory.prepare_lean()


def check_inputs(options: Options) -> None:
    """Fail fast, before the UI starts, on inputs that cannot be read at all."""
    from connlog_tui import sources
    from connlog_tui.sources.base import open_source

    def check(path, name):
        source = open_source(path, name)
        if not options.format and not options.mappings:
            sources.detect(source)

    # A file in a folder that cannot be read is skipped by the load, which says so.
    sources.readable(sources.expand_marked(options.paths), check)


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
        print(f"connlog: {_one_line(warning)}", file=sys.stderr)
    # A one-shot export reads a cache entry when there is one but writes none: at exit it
    # would wait for that write, which costs more than the export (the browser writes it).
    options.spark = spark
    log = open_log(options, archive, write_cache=False)
    state = filter_state(options, log)
    for name, reason in getattr(log, "skipped", ()):
        print(f"connlog: skipped {_one_line(name)}: {_one_line(reason)}", file=sys.stderr)
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
        marks=_marks(options) if archive is None else None,
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


def expand_inputs(options: Options):
    from connlog_tui import sources

    return sources.expand(options.paths)


def _marks(options: Options):
    """The log's marks, whose notes go into a Note column (connlog_tui.marks; a broken
    marks file is said on stderr and the export goes on without notes)."""
    from connlog_tui import marks

    try:
        return marks.Marks.load(options.paths)
    except ConnlogError as exc:
        print(f"connlog: {_one_line(str(exc))} (exporting without notes)", file=sys.stderr)
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
        print(f"{_one_line(info.name)}: {info.rows} rows ({info.kind}: none quarantined)", file=out)
        return
    quarantine = log.quarantine()
    for name, good, bad in files:
        print(f"{_one_line(name)}: {_count(good + bad, good, bad)}", file=out)
        rows = quarantine.filter(pl.col("source") == name).head(REPORT_ROWS)
        for line, reason, text in rows.select("line", "reason", "text").iter_rows():
            where = f"line {line}" if line is not None else "line ?"
            shown = f" | {_one_line(text)[:80]}" if text else ""
            print(f"  {where}: {_one_line(reason)}{shown}", file=out)
        if bad > REPORT_ROWS:
            print(f"  ... and {bad - REPORT_ROWS} more quarantined rows", file=out)
    good = sum(g for _, g, _ in files)
    bad = sum(b for _, _, b in files)
    count = len(files)
    print(f"total ({count} file{'s' * (count != 1)}): {_count(good + bad, good, bad)}", file=out)


def _count(read: int, good: int, bad: int) -> str:
    return f"{read} rows read = {good} loaded + {bad} quarantined"


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
        print(f"connlog: {_one_line(warning)}", file=sys.stderr)
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
    values = [_one_line(v)[:COUNT_WIDTH] if v is not None else "(none)" for v in table["value"]]
    width = max(len(label), *(len(v) for v in values), 5) if values else len(label)
    print(f"{_one_line(label)[:COUNT_WIDTH]:<{width}}  {'COUNT':>9}  {'SHARE':>6}", file=out)
    for value, count, share in zip(values, table["count"], table["share"], strict=True):
        print(f"{value:<{width}}  {count:>9}  {share:>6.1%}", file=out)


def run_formats() -> int:
    from connlog_tui.sources import describe_formats

    for name, description in describe_formats():
        print(f"{name:<18} {escape_controls(description)}")
    return 0


def run_decode(argv: list[str]) -> int:
    from connlog_tui.decode import decode_cli

    return decode_cli(argv, sys.stdin, sys.stdout, sys.stderr)


def run_browse(argv: list[str]) -> int:
    from connlog_tui.ui.heap import start_up

    with start_up():
        args = browse_parser().parse_args(argv)
        if args.config_path:
            from connlog_tui.config import config_path

            print(config_path())
            return 0
        if args.follow and "-" in args.paths:  # a spool is read once: nothing to follow
            raise ConnlogError("--follow reads files as they grow, not standard input (-)")
        if not args.follow:
            take_stdin(args, implicit=True)
        decide_memory(args)
        spark = resolve_spark(args)
        options = options_from(args)
        options.archive = archive_path(args)
        options.spark = spark
        if spark is not None:
            pass  # the cluster is asked from the app's worker
        elif options.archive is None:
            check_inputs(options)
            options.preview = start_preview(options)
        elif options.follow:
            raise ConnlogError("--follow does not apply to a Parquet archive", options.archive)
        from connlog_tui.ui.app import ConnlogApp
    if getattr(args, "stdin", False):
        from connlog_tui import stdin

        stdin.reattach_terminal()
    app = ConnlogApp(options)
    app.run()
    if app.fatal_error:
        print(f"connlog: {app.fatal_error}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else ""
    try:
        code = _run(command, argv)
        sys.stdout.flush()  # a reader that went away shows here, not at the interpreter's exit
        return code
    except ConnlogError as exc:
        print(f"connlog: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`connlog export ... -o - | head`): nothing left to say.
        # Standard output now points nowhere, so the interpreter's last flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a process ended by SIGPIPE
    except SystemExit as exc:  # argparse: usage errors exit 2 after printing usage
        return exc.code if isinstance(exc.code, int) else 2


def _run(command: str, argv: list[str]) -> int:
    if command == "export":
        return run_export(argv[1:])
    if command == "decode":
        return run_decode(argv[1:])
    if command == "formats":
        return run_formats()
    if command == "count":
        return run_count(argv[1:])
    return run_browse(argv)


def _one_line(text: str) -> str:
    return escape_controls(" ".join(text.split()))


if __name__ == "__main__":
    raise SystemExit(main())
