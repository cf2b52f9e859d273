"""The command line's parsers: the browser's, and those of `export` and `count`, which
share the options that read logs and filter them."""

from __future__ import annotations

import argparse

from connlog_tui import __version__

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


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    _add_reading_options(parser)
    _add_filter_options(parser.add_argument_group("filters"))
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        help="display zone: UTC, local or an IANA name like Europe/Berlin; --since/--until "
        "without an offset are read in it (default: the config file's, else UTC)",
    )


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
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


def _add_filter_options(filters: argparse._ArgumentGroup) -> None:
    filters.add_argument("--app", action="append", default=[], help="Application To/From")
    filters.add_argument("--action", action="append", default=[], help="Action, e.g. 'SSO Failed'")
    filters.add_argument("--request-type", action="append", default=[], help="Request Type")
    filters.add_argument("--ip", action="append", default=[], help="client IP address")
    filters.add_argument("--user", default="", help="substring of Email ID/Login ID")
    filters.add_argument("--since", metavar="WHEN", help="from this time (inclusive, --tz zone)")
    filters.add_argument("--until", metavar="WHEN", help="to this time (inclusive, --tz zone)")
    filters.add_argument("--search", default="", help="text anywhere in a row, payloads too")
    for flag, what in (
        ("app", "Application To/From"),
        ("action", "Action"),
        ("request-type", "Request Type"),
        ("outcome", "Outcome, e.g. failure"),
        ("ip", "client IP address"),
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
