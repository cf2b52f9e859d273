"""The default command: open the logs in the browser (connlog_tui.ui)."""

from __future__ import annotations

import sys

from connlog_tui.cli.args import browse_parser
from connlog_tui.cli.inputs import (
    archive_path,
    check_inputs,
    decide_memory,
    options_from,
    resolve_spark,
    take_stdin,
)
from connlog_tui.errors import ConnlogError
from connlog_tui.options import start_preview


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
