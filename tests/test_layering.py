"""The layers: the data layer is usable without Textual (and so without a terminal), and the
browser (connlog_tui/ui) never imports the command line (connlog_tui/cli); both start from
connlog_tui/options.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "connlog_tui"

DATA_MODULES = [
    "connlog_tui.schema",
    "connlog_tui.timeparse",
    "connlog_tui.sources",
    "connlog_tui.query",
    "connlog_tui.counts",
    "connlog_tui.marks",
    "connlog_tui.jump",
    "connlog_tui.stdin",
    "connlog_tui.export",
    "connlog_tui.logs",
    "connlog_tui.decode",
    "connlog_tui.textsafe",
    "connlog_tui.cli",
    "connlog_tui.options",
]


def test_data_layer_imports_without_textual_or_rich():
    code = (
        "import sys\n"
        f"for name in {DATA_MODULES!r}: __import__(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function (a lazy import is still a
    dependency); relative imports resolved against the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules_in(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def test_the_ui_never_imports_the_cli():
    for path in modules_in("ui"):
        wrong = {m for m in imported_modules(path) if m.split(".")[:2] == ["connlog_tui", "cli"]}
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


FRONT_ENDS = {"cli/browse.py", "__main__.py"}  # the command line starts the browser


def test_no_module_below_the_ui_imports_textual_or_the_ui():
    for path in modules_in():
        where = path.relative_to(PACKAGE)
        if where.parts[0] == "ui" or str(where) in FRONT_ENDS:
            continue
        wrong = {m for m in imported_modules(path) if m.split(".")[0] in ("textual", "rich")}
        wrong |= {m for m in imported_modules(path) if m.startswith("connlog_tui.ui")}
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_the_memory_mode_is_settled_before_polars_is_imported(tmp_path):
    # Lean mode tunes Polars' allocator, which reads its settings once, when Polars loads:
    # deciding the mode (archive or files, lean or in memory) must not import it.
    log = tmp_path / "log.csv"
    log.write_text("Date,Application To/From,Action\n2026-03-01T09:00:00Z,A,B\n")
    code = (
        "import sys\n"
        "from connlog_tui import cli\n"
        f"args = cli.browse_parser().parse_args([{str(log)!r}])\n"
        "cli.decide_memory(args)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'polars')[:3])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
