"""The `connlog` command: browse (the default), export, count, decode and formats.

Each subcommand has its own module here; `args` holds the parsers and `inputs` turns parsed
arguments into Options. Nothing here imports Polars or the browser before it is needed."""

from __future__ import annotations

import os
import sys

from connlog_tui.cli.args import browse_parser, count_parser, export_parser
from connlog_tui.cli.browse import run_browse
from connlog_tui.cli.count import run_count
from connlog_tui.cli.export import run_export
from connlog_tui.cli.inputs import check_inputs, decide_memory, demo_paths, flat, options_from
from connlog_tui.errors import ConnlogError
from connlog_tui.textsafe import escape_controls

__all__ = [
    "browse_parser",
    "check_inputs",
    "count_parser",
    "decide_memory",
    "demo_paths",
    "export_parser",
    "main",
    "options_from",
]


def run_formats() -> int:
    from connlog_tui.sources import describe_formats

    for name, description in describe_formats():
        print(f"{name:<18} {escape_controls(description)}")
    return 0


def run_decode(argv: list[str]) -> int:
    from connlog_tui.decode import decode_cli

    return decode_cli(argv, sys.stdin, sys.stdout, sys.stderr)


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the connlog command's own process (see connlog_tui/arrow.py)
        from connlog_tui import arrow

        arrow.WITHOUT_NUMPY = True
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else ""
    try:
        code = _run(command, argv)
        sys.stdout.flush()  # a reader that went away shows here, not at the interpreter's exit
        return code
    except ConnlogError as exc:
        print(f"connlog: {flat(str(exc))}", file=sys.stderr)
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
