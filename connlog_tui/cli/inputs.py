"""From parsed arguments to the inputs: the paths (standard input, the demo, an archive or
Spark), in memory or lean, and the Options both the browser and the subcommands start from."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

from connlog_tui.errors import ConnlogError
from connlog_tui.options import Options
from connlog_tui.textsafe import escape_controls


def demo_paths() -> list[str]:
    data = resources.files("connlog_tui") / "data"
    names = ["demo_connector_log.csv", "demo_okta_system_log.jsonl"]
    return [str(data / n) for n in names if (data / n).is_file()]


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
        picked={
            "app": args.app,
            "action": args.action,
            "request_type": args.request_type,
            "ip": args.ip,
        },
        user=args.user,
        since=parse_in_zone(args.since, zone) if args.since else None,
        until=parse_in_zone(args.until, zone, end=True) if args.until else None,
        search=args.search,
        excluded={
            "app": args.exclude_app,
            "action": args.exclude_action,
            "request_type": args.exclude_request_type,
            "outcome": args.exclude_outcome,
            "ip": args.exclude_ip,
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
    from connlog_tui import remembered

    try:
        recent = [p for p in remembered.recent_files() if Path(p).exists()][:3]
    except ConnlogError:
        return ""
    return f"; recent: {' '.join(recent)}" if recent else ""


def resolve_spark(args: argparse.Namespace) -> tuple[str, str] | None:
    """(URL, table or path) for `--spark`, None without it. `--spark TABLE` (no URL)
    takes the URL from SPARK_REMOTE, as pyspark does. The URL is never printed."""
    import importlib.util

    given = getattr(args, "spark", None)
    if given is None:
        return None
    from connlog_tui.logs.spark import INSTALL_HINT

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


def expand_inputs(options: Options):
    from connlog_tui import sources

    return sources.expand(options.paths)


def flat(text: str) -> str:
    """Text for a one-line message: whitespace runs made one space, controls escaped."""
    return escape_controls(" ".join(text.split()))
