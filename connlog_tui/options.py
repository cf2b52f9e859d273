"""What a front end starts from: the command line's options (paths, format, filters, the
saved view, the config) and the first state built from them. The CLI parses into an
`Options`; the browser and `connlog export` start from one, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future

    import polars as pl

    from connlog_tui.config import Config
    from connlog_tui.logs import Log
    from connlog_tui.query import FilterState
    from connlog_tui.sources.base import ReadResult
    from connlog_tui.views import View


@dataclass
class Options:
    paths: list[str]
    format: str | None
    mappings: dict[str, str]
    picked: dict[str, list[str]]
    user: str
    since: datetime | None
    until: datetime | None
    search: str
    excluded: dict[str, list[str]] = field(default_factory=dict)
    exclude_user: str = ""
    exclude_search: str = ""
    regex: str = ""
    use_cache: bool = True
    lean: bool | None = None  # None: decided by the files' size against the memory budget
    follow: bool = False
    plus_addressing: bool = False
    config: Config | None = None  # the config file's settings with the flags on top
    zone: str = "UTC"
    view: View | None = None
    # Problems the user should hear about but that do not stop connlog (a broken config
    # or views file): the CLI prints them, the app shows them.
    warnings: list[str] = field(default_factory=list)
    # A hive-partitioned Parquet archive given as the path: paged lazily, never loaded.
    archive: str | None = None
    # `--spark`: (Spark Connect URL, table or path); the URL may hold a token: never shown.
    spark: tuple[str, str] | None = None
    # The first rows, read on a thread since before the UI was imported (start_preview).
    preview: Future | None = None


def filter_state(options: Options, frame: pl.DataFrame | Log) -> FilterState:
    """The starting filters: the saved view (if any) with the command line's on top.
    Picked and excluded values match the values of `frame` (a loaded frame, or a log
    behind the seam) exactly but for case."""
    import polars as pl

    from connlog_tui import logs, query

    given = query.FilterState(
        user=options.user or "",
        since=options.since,
        until=options.until,
        search=options.search or "",
        exclude_user=options.exclude_user or "",
        exclude_search=options.exclude_search or "",
        regex=options.regex or "",
    )
    for column, wanted in options.picked.items():
        given = given.with_picked(column, wanted or ())
    for column, unwanted in options.excluded.items():
        given = given.with_excluded(column, unwanted or ())
    if isinstance(frame, pl.DataFrame):
        given = query.resolve_state(frame, given)
    else:
        given = logs.resolve_state(frame, given)
    if options.view is None:
        return given
    base = options.view.filters
    return query.FilterState(
        picked={**base.picked, **given.picked},
        excluded={**base.excluded, **given.excluded},
        user=given.user or base.user,
        since=given.since or base.since,
        until=given.until or base.until,
        search=given.search or base.search,
        exclude_user=given.exclude_user or base.exclude_user,
        exclude_search=given.exclude_search or base.exclude_search,
        regex=given.regex or base.regex,
    )


def open_log(options: Options, archive: str | None = None, *, write_cache: bool = True) -> Log:
    """The log the options name, behind the seam: an `ArchiveLog` scanning `archive` (a
    hive-partitioned Parquet directory), else the files loaded into a `MemoryLog`."""
    from connlog_tui import sources
    from connlog_tui.logs.archive import ArchiveLog
    from connlog_tui.logs.memory import MemoryLog

    if options.spark is not None:
        from connlog_tui.logs.spark import SparkLog

        url, target = options.spark
        return SparkLog(url, target, plus_addressing=options.plus_addressing)
    if archive is not None:
        return ArchiveLog(archive, plus_addressing=options.plus_addressing)
    names = [name for _, name in sources.expand(options.paths)]
    return MemoryLog.from_loaded(load_options(options, write_cache=write_cache), names)


def load_options(options: Options, *, write_cache: bool = True) -> ReadResult:
    from connlog_tui import sources

    return sources.load(
        options.paths,
        options.format,
        mappings=options.mappings or None,
        use_cache=options.use_cache,
        plus_addressing=options.plus_addressing,
        lean=options.lean,
        memory_budget=options.config.memory_budget if options.config else None,
        write_cache=write_cache,
    )


def start_preview(options: Options) -> Future:
    """`sources.preview` of the files on a thread: Polars reads without holding the GIL,
    so this overlaps the UI toolkit's import, and the app has rows when it mounts."""
    from concurrent.futures import ThreadPoolExecutor

    from connlog_tui import sources

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="connlog-preview")
    future = pool.submit(sources.preview, options.paths, options.format)
    pool.shutdown(wait=False)
    return future
