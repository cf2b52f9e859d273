"""What `connlog FILE` imports before its first screen. Modules only later features need (the
payload decoders, triage, the modal screens, PDF, pyarrow, numpy) are imported where they
are used, so the start-up leaves them out; and since such an import runs only when its
feature does, every module must still import, and every import inside a function must name
something that exists. Imports are checked here, not timed (speed is measured in bench/)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import connlog_tui

PACKAGE = Path(connlog_tui.__file__).resolve().parent

# Imported by `connlog FILE` before its first frame: the command line and the app.
START_UP = ["connlog_tui.cli", "connlog_tui.ui.app"]
# What the first screen does without. A package named here stands for its submodules too.
LEFT_OUT = [
    "connlog_tui.decode.core",  # the payload decoders (and defusedxml, html.parser, urllib)
    "connlog_tui.triage.attempts",
    "connlog_tui.triage.compare",
    "connlog_tui.triage.diagnoses",
    "connlog_tui.triage.groups",
    "connlog_tui.ui.screens",  # help, export, sort, columns, quarantine, name
    "connlog_tui.ui.triage_screen",
    "connlog_tui.ui.compare_screen",
    "connlog_tui.ui.payload_tabs",  # mounted just after the first frame, with:
    "textual.widgets._text_area",
    "textual.widgets._tabbed_content",
    "connlog_tui.export_pdf",
    "connlog_tui.scaleout",
    "connlog_tui.logs.archive",
    "connlog_tui.logs.spark",
    "defusedxml",
    "pyarrow",
    "numpy",
]


def all_modules() -> list[str]:
    names = pkgutil.walk_packages([str(PACKAGE)], "connlog_tui.")
    return sorted(m.name for m in names if not m.name.endswith(".__main__"))


def loaded_after(imports: list[str]) -> set[str]:
    """The modules a fresh interpreter holds once it has imported `imports`."""
    code = (
        "import sys\n"
        f"for name in {imports!r}: __import__(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_the_start_up_leaves_out_what_the_first_screen_does_not_need():
    loaded = loaded_after(START_UP)
    wrong = [
        name for name in LEFT_OUT if name in loaded or any(m.startswith(f"{name}.") for m in loaded)
    ]
    assert not wrong, f"imported at start-up: {wrong}"


def test_every_module_imports_in_a_fresh_interpreter():
    modules = all_modules()
    assert "connlog_tui.ui.screens" in modules and "connlog_tui.decode.saml" in modules
    assert set(modules) <= loaded_after(modules)


def function_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of each import of connlog_tui made inside a function of
    `path`, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import):
                found += [(node.lineno, alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                found.append((node.lineno, base, [alias.name for alias in node.names]))
    return [item for item in found if item[1].split(".")[0] == "connlog_tui"]


def test_every_import_inside_a_function_names_something_that_exists():
    checked, wrong = 0, []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, module, names in function_imports(path):
            where = f"{path.relative_to(PACKAGE)}:{line}"
            try:
                imported = importlib.import_module(module)
            except ImportError as exc:
                wrong.append(f"{where}: {module} ({exc})")
                continue
            for name in names:
                checked += 1
                if not hasattr(imported, name):
                    try:  # a submodule: `from connlog_tui import triage`
                        importlib.import_module(f"{module}.{name}")
                    except ImportError:
                        wrong.append(f"{where}: {module} has no {name}")
    assert checked > 50  # the walk found the lazy imports (HelpScreen's among them)
    assert not wrong, "\n".join(wrong)
