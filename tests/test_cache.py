"""The columnar cache: used on a second load, invalidated when the file changes, bounded,
skipped with --no-cache, and rebuilt when an entry is damaged."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui import cache, cli, memory, query, sources
from connlog_tui.sources.mangoapps import MangoAppsReader


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(cache.DIR_ENV, str(root))
    monkeypatch.delenv(cache.MAX_ENV, raising=False)
    monkeypatch.setattr(cache, "stats", cache.Stats())
    yield root
    cache.wait()


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the files the reader actually parsed."""
    seen: list[str] = []
    original = MangoAppsReader.read

    def counting(self, source):
        seen.append(source.name)
        return original(self, source)

    monkeypatch.setattr(MangoAppsReader, "read", counting)
    return seen


def load(path: Path, **kwargs) -> sources.ReadResult:
    result = sources.load([str(path)], **kwargs)
    cache.wait()
    return result


def log_file(tmp_path: Path, name: str = "log.csv", rows: int = 3, filler: str = "") -> Path:
    lines = [HEADER]
    for i in range(rows):
        lines.append(
            f"2026-03-01T09:00:0{i}Z,MangoApps,SSO Failed,Authentication-Connections,"
            f"u{i}@acme.example,req{filler},resp"
        )
    lines.append("not a date,MangoApps,SSO Failed,Authentication-Connections,x,y,z")
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_second_load_comes_from_the_cache(tmp_path, private_cache, reads):
    path = log_file(tmp_path)
    first = load(path)
    second = load(path)
    assert reads == [str(path)]  # parsed once
    assert cache.stats.hits == 1 and cache.stats.misses == 1
    assert first.frame.equals(second.frame)
    assert first.frame.schema == second.frame.schema
    assert first.quarantine.equals(second.quarantine) and second.quarantine.height == 1
    assert list(private_cache.glob("*/frame.arrow"))


def mapped_files() -> set[str]:
    return {line.split(maxsplit=5)[-1] for line in Path("/proc/self/maps").read_text().splitlines()}


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc")
def test_a_reopen_maps_the_entry_and_survives_its_eviction(tmp_path, private_cache):
    path = log_file(tmp_path, rows=50, filler="<saml>" * 300)
    first = load(path)
    (arrow,) = private_cache.glob(f"*/{cache.ARROW_FILE}")
    second = load(path)
    assert cache.stats.hits == 1
    assert str(arrow) in mapped_files()  # mapped, not read into the heap
    cache.remove(arrow.parent.name)  # evicted (say, by another connlog) while mapped
    assert not arrow.exists()
    assert second.frame.equals(first.frame)  # the mapping outlives the file


def resident_bytes(mapped: Path) -> int:
    """Bytes of `mapped` in this process's resident memory (every mapping of it)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1].isdigit() or line[:1] in "abcdef":  # a mapping's header line
            inside = line.split(maxsplit=5)[-1].removesuffix(" (deleted)") == str(mapped)
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1]) * 1024
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux's /proc")
def test_a_search_of_a_mapped_frame_hands_its_pages_back(tmp_path, private_cache):
    """A search reads every payload; on a frame reopened from the cache, their pages are
    handed back to the page cache as it goes, so the whole file is never held."""
    lines = [HEADER] + [
        f"2026-03-01T{i // 3600:02}:{i // 60 % 60:02}:{i % 60:02}Z,MangoApps,SSO Failed,"
        f"Authentication-Connections,u{i}@acme.example,row {i} {'<saml>' * 1500},resp"
        for i in range(400)  # ~9 KB a row
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load(path)
    reopened = load(path).frame
    (arrow,) = private_cache.glob(f"*/{cache.ARROW_FILE}")
    assert not reopened["request"].str.contains("<no such>", literal=True).any()
    assert resident_bytes(arrow) > 3_000_000  # every payload read: all mapped in
    found = query.run(reopened, query.FilterState(search="row 7 ")).indices
    assert resident_bytes(arrow) < 1_000_000
    assert reopened[found]["request"].str.contains("row 7 ", literal=True).all()
    assert found.len() == reopened["request"].str.contains("row 7 ", literal=True).sum()


def test_only_whole_pages_of_payload_text_are_handed_back():
    from mmap import PAGESIZE as page

    from connlog_tui.payloads import payload_spans

    # Two text buffers a few bytes apart merge; the pages they share only in part with
    # other columns (before the first, after the last) are kept.
    text = [(100, 3 * page), (3 * page + 164, 2 * page), (20 * page, 10)]
    assert payload_spans(text) == [(page, 4 * page)]
    assert payload_spans([(0, page - 1)]) == []


def test_cache_is_never_written_next_to_the_input(tmp_path):
    path = log_file(tmp_path / "logs")
    load(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["log.csv"]


def test_the_fixture_round_trips_through_the_cache(reads):
    first = load(SMALL_LOG)
    second = load(SMALL_LOG)
    assert len(reads) == 1
    assert first.frame.equals(second.frame)


def test_a_changed_file_is_read_again(tmp_path, reads):
    path = log_file(tmp_path)
    load(path)
    path.write_text(path.read_text() + path.read_text().splitlines()[1] + "\n")  # size
    grown = load(path)
    assert grown.frame.height == 4
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # mtime only
    load(path)
    assert len(reads) == 3
    load(path)
    assert len(reads) == 3


def test_reader_options_are_part_of_the_key(tmp_path, reads):
    path = log_file(tmp_path)
    load(path)
    load(path, format="mangoapps")
    assert len(reads) == 2


def test_no_cache_neither_reads_nor_writes(tmp_path, private_cache, reads):
    path = log_file(tmp_path)
    load(path, use_cache=False)
    assert not private_cache.exists() or not list(private_cache.iterdir())
    load(path)
    load(path, use_cache=False)
    assert len(reads) == 3


@pytest.mark.parametrize("command", [[], ["export", "-o", "-"]])
def test_no_cache_flag_on_both_commands(tmp_path, command):
    parser = cli.export_parser() if command else cli.browse_parser()
    args = parser.parse_args([*command[1:], str(tmp_path / "x.csv"), "--no-cache"])
    options = cli.options_from(args)
    assert options.use_cache is False
    default = cli.options_from(parser.parse_args([*command[1:], str(tmp_path / "x.csv")]))
    assert default.use_cache is True


def test_export_with_no_cache_leaves_the_cache_empty(tmp_path, private_cache, capsys):
    path = log_file(tmp_path)
    assert cli.main(["export", str(path), "--no-cache", "-o", "-"]) == 0
    cache.wait()
    assert not private_cache.exists() or not list(private_cache.iterdir())


def test_export_uses_the_cache_but_never_waits_for_a_write(
    tmp_path, private_cache, reads, monkeypatch, capsys
):
    """A one-shot export starts no cache writer (the process would wait for it at exit);
    an entry the browser wrote is used."""
    started, real_store = [], cache.store
    monkeypatch.setattr(cache, "store", lambda *a, **k: started.append(a) or True)
    path = log_file(tmp_path)
    writers = list(cache._pending)
    assert cli.main(["export", str(path), "-o", "-"]) == 0
    assert started == [] and cache._pending == writers
    assert cache.stats.misses == 1 and cache.stats.hits == 0
    monkeypatch.setattr(cache, "store", real_store)
    load(path)  # as the browser opens it: the entry is written
    cache.wait()
    capsys.readouterr()
    assert cli.main(["export", str(path), "-o", "-"]) == 0
    assert cache.stats.hits == 1
    assert len(reads) == 2  # the first export and the browser's load parsed it
    assert capsys.readouterr().out.count("\n") == 1 + load(path).frame.height


def test_the_cache_is_bounded_and_evicts_the_oldest(tmp_path, private_cache, monkeypatch):
    paths = [log_file(tmp_path, f"log{i}.csv", rows=5, filler="x" * 2000) for i in range(4)]
    load(paths[0])
    one_entry = sum(size for _, _, size in cache.entries())
    monkeypatch.setenv(cache.MAX_ENV, str(int(one_entry * 2.5)))
    for path in paths[1:]:
        # Entries written a second apart, oldest first (mtime resolution varies).
        for key, _, _ in cache.entries():
            entry = cache.entry_dir(key)
            stat = entry.stat()
            os.utime(entry, (stat.st_atime - 10, stat.st_mtime - 10))
        load(path)
        assert sum(size for _, _, size in cache.entries()) <= one_entry * 2.5
    kept = {k for k, _, _ in cache.entries()}
    assert len(kept) == 2
    wanted = {cache.key_for(p, str(p)) for p in paths[2:]}
    assert kept == wanted  # the two newest


def test_an_entry_over_the_bound_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.MAX_ENV, "10")
    path = log_file(tmp_path)
    load(path)
    assert cache.entries() == []
    assert load(path).frame.height == 3


@pytest.mark.parametrize(
    ("disk_gb", "bound_gb"),
    [(250, 25), (20, 4 * 1024**3 / 1e9)],  # a tenth of the disk, at least 4 GiB
)
def test_the_default_bound_grows_with_the_disk(private_cache, monkeypatch, disk_gb, bound_gb):
    seen = []

    def usage(path):
        seen.append(Path(path))
        return SimpleNamespace(total=int(disk_gb * 1e9), used=0, free=int(disk_gb * 1e9))

    monkeypatch.setattr(cache.shutil, "disk_usage", usage)
    # The cache directory is not made yet: its bound is a share of the disk it will be on.
    assert not private_cache.exists()
    assert cache.max_bytes() == pytest.approx(bound_gb * 1e9, abs=1)
    assert seen == [private_cache.parent]
    monkeypatch.setenv(cache.MAX_ENV, "12345")  # the user's bound wins
    assert cache.max_bytes() == 12345


def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path, private_cache, reads):
    path = log_file(tmp_path)
    first = load(path)
    (entry,) = private_cache.glob("*/frame.arrow")
    entry.write_bytes(entry.read_bytes()[:50])  # truncated
    again = load(path)
    assert again.frame.equals(first.frame)
    assert len(reads) == 2 and cache.stats.errors == 1
    third = load(path)  # rebuilt: a hit again
    assert len(reads) == 2 and third.frame.equals(first.frame)


def test_an_entry_with_wrong_columns_is_rebuilt(tmp_path, private_cache, reads):
    path = log_file(tmp_path)
    load(path)
    (entry,) = private_cache.glob("*/frame.arrow")
    pl.DataFrame({"x": [1]}).write_parquet(entry)
    assert load(path).frame.height == 3
    assert len(reads) == 2


def test_an_unwritable_cache_does_not_stop_the_load(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(cache.DIR_ENV, str(blocker / "cache"))
    path = log_file(tmp_path)
    assert load(path).frame.height == 3
    assert load(path).frame.height == 3


def test_bad_input_errors_are_unchanged(tmp_path):
    from connlog_tui.errors import ConnlogError

    with pytest.raises(ConnlogError, match="no such file"):
        load(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ConnlogError, match="empty file"):
        load(empty)


def test_temporaries_left_by_a_killed_writer_are_swept(private_cache, tmp_path):
    private_cache.mkdir(parents=True)
    stale = private_cache / ".abc.tmp"
    stale.write_text("x")
    os.utime(stale, (1, 1))
    fresh = private_cache / ".def.tmp"
    fresh.write_text("x")  # may be a write in progress in another process
    load(log_file(tmp_path))
    assert not stale.exists() and fresh.exists()


def ascii_lower(text: str | None) -> str | None:
    return None if text is None else "".join(c.lower() if c.isascii() else c for c in text)


def test_a_reopen_maps_the_payloads_folded_copy(tmp_path, private_cache):
    """An in-memory entry holds the payloads with ASCII lower-cased (only ASCII: the
    Kelvin sign stays as it is), row for row, and a reopen maps them."""
    path = log_file(tmp_path, rows=5, filler="<SAML Kelvin=\u212a Ünï>" * 200)
    first = load(path)
    assert first.folded is None  # a cold load has none: the cache writes it
    second = load(path)
    assert second.folded is not None and second.folded.columns == ["request", "response"]
    for name in ("request", "response"):
        want = [ascii_lower(v) for v in second.frame[name]]
        assert second.folded[name].to_list() == want
    assert "<saml kelvin=\u212a Ünï>" in second.folded["request"][0]
    if Path("/proc/self/maps").exists():
        (folded,) = private_cache.glob("*/folded.arrow")
        assert str(folded) in mapped_files()


def test_the_folded_copy_is_dropped_before_the_entry_when_over_the_bound(
    tmp_path, private_cache, monkeypatch
):
    """The folded copy doubles an entry: when the two are over the bound, the frame is
    kept alone (a reopen is still mapped, its search goes through the regex)."""
    load(log_file(tmp_path, "sized.csv", rows=9, filler="x" * 6000))
    (entry,) = private_cache.iterdir()
    whole = sum(p.stat().st_size for p in entry.iterdir())
    folded = (entry / cache.FOLDED_FILE).stat().st_size
    monkeypatch.setenv(cache.MAX_ENV, str(whole - folded // 2))
    path = log_file(tmp_path, "log.csv", rows=9, filler="x" * 6000)
    load(path)  # evicts the first entry, and keeps this one without its folded copy
    (kept,) = private_cache.iterdir()
    assert kept.name == cache.key_for(path, str(path))
    assert sorted(p.name for p in kept.iterdir()) == [cache.ARROW_FILE, cache.QUARANTINE_FILE]
    reopened = load(path)
    assert cache.stats.hits == 1 and reopened.folded is None
    result = query.run(reopened.frame, query.FilterState(search="REQX"))
    assert result.count == 9


def test_no_folded_copy_is_written_when_the_entry_would_outgrow_the_page_cache(
    tmp_path, private_cache, monkeypatch
):
    """An entry only reopens fast while it stays in the page cache: when frame and copy
    would be over FOLDED_MEMORY_SHARE of physical memory, the frame is kept alone."""
    path = log_file(tmp_path, rows=9, filler="x" * 6000)
    payload_bytes = sum(
        len(v.encode()) for name in ("request", "response") for v in load(path).frame[name]
    )
    cache.wait()
    (entry,) = private_cache.iterdir()
    frame_bytes = (entry / cache.ARROW_FILE).stat().st_size
    whole = frame_bytes + payload_bytes + 32 * 9
    frame = cache.lookup(entry.name).frame
    share = cache.FOLDED_MEMORY_SHARE
    monkeypatch.setattr(memory, "physical_memory", lambda: int(whole / share))
    assert cache.folded_fits(frame_bytes, frame)
    monkeypatch.setattr(memory, "physical_memory", lambda: int(whole / share) - 1)
    assert not cache.folded_fits(frame_bytes, frame)

    cache.remove(entry.name)
    assert load(path).folded is None  # a cold load again, its entry written without it
    (kept,) = private_cache.iterdir()
    assert sorted(p.name for p in kept.iterdir()) == [cache.ARROW_FILE, cache.QUARANTINE_FILE]
    reopened = load(path)
    assert cache.stats.hits >= 1 and reopened.folded is None
    assert query.run(reopened.frame, query.FilterState(search="REQX")).count == 9


def test_a_damaged_folded_copy_is_a_miss_and_rebuilt(tmp_path, private_cache, reads):
    path = log_file(tmp_path)
    first = load(path)
    (folded,) = private_cache.glob("*/folded.arrow")
    folded.write_bytes(folded.read_bytes()[:60])
    again = load(path)
    assert len(reads) == 2 and cache.stats.errors == 1 and again.frame.equals(first.frame)
    third = load(path)
    assert len(reads) == 2 and third.folded is not None


def test_a_log_written_newest_first_is_cached_in_time_order(tmp_path, reads):
    """Rows are put in time order before they are cached (as a load shows them anyway),
    so a reopen uses the mapped frame as it is and its folded copy lines up."""
    lines = [HEADER] + [
        f"2026-03-01T09:00:0{i}Z,MangoApps,SSO Failed,Authentication-Connections,"
        f"u{i}@acme.example,Req{i},Resp{i}"
        for i in reversed(range(6))
    ]
    path = tmp_path / "newest-first.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cold = load(path)
    assert cold.frame["request"].to_list() == [f"Req{i}" for i in range(6)]
    warm = load(path)
    assert reads == [str(path)] and warm.frame.equals(cold.frame)
    assert warm.folded is not None
    assert warm.folded["request"].to_list() == [f"req{i}" for i in range(6)]


@pytest.mark.parametrize(("second_hour", "kept"), [("10", True), ("09", False)])
def test_merged_files_keep_their_folded_copies_only_in_file_order(tmp_path, second_hour, kept):
    """Files that follow one another in time concatenate, folded copies too; files that
    overlap are interleaved by time, and their folded copies (in file order) are dropped."""
    first = log_file(tmp_path, "a.csv")
    later = log_file(tmp_path, "b.csv")
    later.write_text(later.read_text().replace("T09:", f"T{second_hour}:"), encoding="utf-8")
    load(first), load(later)  # cold: both cached
    merged = sources.load([str(first), str(later)])
    assert (merged.folded is not None) is kept
    if kept:
        assert merged.folded["request"].to_list() == [
            ascii_lower(v) for v in merged.frame["request"]
        ]


def test_the_connlog_command_maps_an_entry_without_numpy_and_exports_the_same(
    tmp_path: Path, private_cache: Path
):
    """The `connlog` command imports pyarrow with NumPy hidden (connlog_tui/arrow.py): a
    cache hit is mapped and exported as in a process that imports connlog as a library,
    and NumPy, which connlog never needs, is not loaded."""
    import subprocess
    import sys

    log = tmp_path / "log.csv"
    log.write_bytes(SMALL_LOG.read_bytes())
    sources.load([str(log)])
    cache.wait()
    assert cache.entries(), "the load wrote an entry"
    script = (
        "import sys\n"
        "from connlog_tui import cache\n"
        "from connlog_tui.cli import main\n"
        f"sys.argv = ['connlog', 'export', {str(log)!r}, '-o', {str(tmp_path / 'cmd.csv')!r}]\n"
        "code = main()\n"
        "print(code, cache.stats.hits, 'numpy' in sys.modules, 'pyarrow' in sys.modules)\n"
    )
    env = dict(os.environ, **{cache.DIR_ENV: str(private_cache)})
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.stdout.split() == ["0", "1", "False", "True"], done.stderr
    assert cli.main(["export", str(log), "-o", str(tmp_path / "lib.csv")]) == 0
    assert (tmp_path / "cmd.csv").read_bytes() == (tmp_path / "lib.csv").read_bytes()


def overlapping_folder(tmp_path: Path) -> Path:
    """Two logs whose rows interleave in time, and a file no reader knows."""
    folder = tmp_path / "logs"
    log_file(folder, "a.csv")
    later = log_file(folder, "b.csv")
    later.write_text(later.read_text().replace("Z,", ".5Z,"), encoding="utf-8")
    (folder / "notes.txt").write_text("nothing to see\n", encoding="utf-8")
    return folder


def test_a_folder_reopens_from_one_entry_in_time_order_with_its_folded_copy(
    tmp_path, private_cache, reads
):
    """A folder's merged rows are cached as one entry: a reopen reads no file and sorts
    nothing, says the same files and skips, and keeps the folded payloads (the files'
    own copies, in file order, cannot serve rows interleaved by time)."""
    folder = overlapping_folder(tmp_path)
    cold = load(folder)
    assert sorted(reads) == [str(folder / "a.csv"), str(folder / "b.csv")]
    assert cold.folded is None and cold.frame["time"].is_sorted()
    assert cold.frame["user"].cast(pl.String).to_list()[:2] == ["u0@acme.example"] * 2
    warm = load(folder)
    assert len(reads) == 2, "nothing read again"
    assert warm.frame.equals(cold.frame) and warm.quarantine.equals(cold.quarantine)
    assert (warm.files, warm.skipped) == (cold.files, cold.skipped) and warm.skipped
    assert warm.folded is not None
    assert warm.folded["request"].to_list() == warm.frame["request"].to_list()


def test_a_changed_file_of_a_folder_is_the_only_one_read_again(tmp_path, reads):
    folder = overlapping_folder(tmp_path)
    load(folder)
    changed = folder / "b.csv"
    changed.write_text(changed.read_text().replace("resp", "later"), encoding="utf-8")
    again = load(folder)
    assert reads[2:] == [str(changed)]
    assert "later" in again.frame["response"].to_list()
    load(folder)
    assert len(reads) == 3, "the folder as it is now was cached"


def test_a_damaged_folder_entry_is_a_miss(tmp_path, private_cache, reads):
    folder = overlapping_folder(tmp_path)
    cold = load(folder)
    for listed in private_cache.glob(f"*/{cache.FILES_FILE}"):
        listed.write_text("[]", encoding="utf-8")
    warm = load(folder)
    assert warm.frame.equals(cold.frame) and warm.files == cold.files
    assert cache.stats.errors == 1


def test_a_first_open_of_a_folder_finds_its_folded_copy_once_written(tmp_path, private_cache):
    """What the browser searches through after a folder's first load, once the cache
    has written the group entry: the folded payloads of the rows it shows, row for row."""
    folder = overlapping_folder(tmp_path)
    cold = load(folder)
    folded = sources.cached_folded([str(folder)])
    assert folded is not None and folded.height == cold.frame.height
    assert folded["request"].to_list() == [ascii_lower(v) for v in cold.frame["request"]]
