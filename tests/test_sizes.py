"""Sizes a maintainer can hold: no function over FUNCTION_LINES lines and no module over
MODULE_LINES lines in connlog_tui/, unless it says why. A module says so in its docstring, a
function in its own, on a line starting with REASON (e.g. "Why one module: ...")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "connlog_tui"
FUNCTION_LINES = 80
MODULE_LINES = 500
REASON = ("Why one module:", "Why one function:")

# Modules over MODULE_LINES without a reason of their own, each with why it is allowed for
# now. Other helpers are rewriting these; the lead removes an entry once its module is split
# (the test fails when an entry is no longer needed, so the list only shrinks).
ALLOWED_MODULES: dict[str, str] = {}


def modules(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def says_why(docstring: str | None) -> bool:
    return any(line.strip().startswith(REASON) for line in (docstring or "").splitlines())


def long_modules(root: Path = PACKAGE) -> dict[str, int]:
    """Modules over MODULE_LINES lines whose docstring does not say why."""
    found = {}
    for path in modules(root):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MODULE_LINES and not says_why(ast.get_docstring(ast.parse(text))):
            found[path.relative_to(root).as_posix()] = lines
    return found


def long_functions(root: Path = PACKAGE) -> list[str]:
    """Functions and methods over FUNCTION_LINES lines (from `def` to their last line)
    whose docstring does not say why."""
    found = []
    for path in modules(root):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > FUNCTION_LINES and not says_why(ast.get_docstring(node)):
                found.append(f"{path.relative_to(root).as_posix()}:{node.name} ({lines} lines)")
    return found


def test_no_function_is_long_without_a_reason():
    assert long_functions() == [], (
        f"split these at their steps, or say why on a line starting {REASON[1]!r}"
    )


def test_no_module_is_long_without_a_reason():
    unexplained = {m: n for m, n in long_modules().items() if m not in ALLOWED_MODULES}
    assert unexplained == {}, (
        f"split these at a seam, or say why in the docstring on a line starting {REASON[0]!r}"
    )


def test_every_allowance_is_still_needed():
    # A module split (or shortened, or given a reason) leaves the allowance list.
    assert set(ALLOWED_MODULES) <= set(long_modules())


def test_the_rules_see_what_they_claim_to(tmp_path):
    # The checks themselves, on a package of their own: what is long is seen, a reason is
    # read only where it is given (a line of the docstring starting with it).
    statements = [f"    x{i} = {i}" for i in range(FUNCTION_LINES)]
    (tmp_path / "short.py").write_text("def f():\n" + "\n".join(statements[:-1]) + "\n")
    (tmp_path / "long.py").write_text("def g():\n" + "\n".join(statements) + "\n")
    why = f'    """Builds it.\n\n    {REASON[1]} the steps share one loop."""\n'
    (tmp_path / "why.py").write_text("def h():\n" + why + "\n".join(statements) + "\n")
    assert long_functions(tmp_path) == [f"long.py:g ({FUNCTION_LINES + 1} lines)"]
    filler = "\n".join(f"x{i} = {i}" for i in range(MODULE_LINES))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "big.py").write_text(
        f'"""Big, and why one module: no reason."""\n{filler}\n'
    )
    (tmp_path / "sub" / "ok.py").write_text(f'"""Big.\n\n{REASON[0]} one table."""\n{filler}\n')
    assert long_modules(tmp_path) == {"sub/big.py": MODULE_LINES + 1}
