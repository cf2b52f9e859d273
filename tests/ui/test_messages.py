"""Workers hand their results to the UI thread as messages: frequent ones collapse; each
piece of state changes in its owner (no component assigns another's)."""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import polars as pl
from textual.dom import DOMNode
from textual.reactive import Reactive
from textual.widget import Widget

import connlog_tui.ui
from connlog_tui.query import FilterState, QueryResult
from connlog_tui.ui import messages as msg
from connlog_tui.ui.app import ConnlogApp


def _result(state: FilterState, partial: bool) -> msg.FilterResult:
    result = QueryResult(pl.Series([], dtype=pl.UInt32), {}, 0, complete=not partial)
    kind = msg.SearchProgress if partial else msg.FilterResult
    return kind(state, result)


def test_a_search_under_way_gives_way_to_any_newer_result():
    state = FilterState(search="x")
    assert _result(state, partial=True).can_replace(_result(state, partial=True))
    assert _result(state, partial=True).can_replace(_result(state, partial=False))
    # A whole result is never dropped for what comes after it.
    assert not _result(state, partial=False).can_replace(_result(state, partial=True))
    assert not _result(state, partial=False).can_replace(_result(state, partial=False))


def test_progress_notes_give_way_to_newer_notes_of_their_kind_only():
    assert msg.ExportProgress("1 of 3").can_replace(msg.ExportProgress(None))
    assert msg.TriageProgress("a").can_replace(msg.TriageProgress("b"))
    assert not msg.ExportProgress("1 of 3").can_replace(msg.TriageProgress("b"))
    assert not msg.TriageProgress("a").can_replace(msg.AttemptsLinked(pl.DataFrame()))


def test_no_worker_calls_into_the_app_through_call_from_thread():
    ui = Path(connlog_tui.ui.__file__).parent
    calling = [p.name for p in ui.glob("*.py") if "call_from_thread" in p.read_text()]
    assert calling == []


# -- handlers own the state they change ------------------------------------------------------

ROOTS = {"app"}  # a name for the app (a parameter, or `app = self.owner`)
THROUGH_SELF = {"owner", "app"}  # a component's own name for the app


def _chain(node: ast.expr) -> list[str] | None:
    """`a.b(...).c` as ["a", "b()", "c"]; None for anything else."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            chain = _chain(node.func)
            if chain is None:
                return None
            parts.append(chain.pop() + "()")
            parts.extend(reversed(chain))
            return parts[::-1]
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1]
        else:
            return None


def _reaches_other(chain: list[str], aliases: set[str], in_app: bool) -> bool:
    """Whether `chain` (the object an attribute is set on) is not the code's own: the app
    seen from a component, another component (or a widget found) through the app, or a
    local bound to one of these."""
    head, rest = chain[0], chain[1:]
    if head in ROOTS | aliases:
        return True
    if head != "self" or not rest or rest == ["styles"]:
        return False  # its own attribute (self.x), or a local widget it made or found
    if rest[0].endswith("()"):
        return False  # a widget it found among its own (self.query_one(...))
    return in_app or rest[0] in THROUGH_SELF


def _reactives() -> set[str]:
    """Names of the Textual reactives on the app's widgets, and of Textual's own settable
    widget properties (display, border_title): setting one from outside is their public
    way in (a validator clamps the value, a watcher reacts)."""
    names = {name for klass in Widget.__mro__ for name, v in vars(klass).items() if _settable(v)}
    for module in _ui_modules():
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, DOMNode):
                for klass in cls.__mro__:
                    names |= {n for n, v in vars(klass).items() if isinstance(v, Reactive)}
    return {name for name in names if not name.startswith("_")}


def _settable(attribute: object) -> bool:
    if isinstance(attribute, property):
        return attribute.fset is not None
    plain = (types.GetSetDescriptorType, types.MemberDescriptorType)
    return not isinstance(attribute, plain) and hasattr(type(attribute), "__set__")


def _ui_modules():
    ui = Path(connlog_tui.ui.__file__).parent
    return [importlib.import_module(f"connlog_tui.ui.{p.stem}") for p in sorted(ui.glob("*.py"))]


def _violations(source: str, in_app: bool, reactives: set[str]) -> list[str]:
    app_reactives = {n for n, v in vars(ConnlogApp).items() if isinstance(v, Reactive)}
    found: set[str] = set()  # a nested function is walked with the one around it too
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        aliases: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, chain = node.targets[0], _chain(node.value)
                other = chain is not None and len(chain) > 1
                if (
                    isinstance(target, ast.Name)
                    and other
                    and _reaches_other(chain, aliases, in_app)
                ):
                    aliases.add(target.id)  # `table = self.owner.table`
        for node in ast.walk(function):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if not isinstance(target, ast.Attribute):
                    continue
                chain = _chain(target.value)
                if chain is None or not _reaches_other(chain, aliases, in_app):
                    continue
                at_app = chain in (["app"], ["self", "owner"], ["self", "app"])
                allowed = app_reactives if at_app else reactives
                if target.attr not in allowed:
                    found.add(f"{node.lineno}: {'.'.join(chain)}.{target.attr} =")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name, owner = node.func.attr, node.func.value
                private = name.startswith("_") and not name.startswith("__")
                own = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
                if private and not own and not _is_super(owner):
                    found.add(f"{node.lineno}: calls {ast.unparse(node.func)}")
    return sorted(found, key=lambda v: int(v.split(":")[0]))


def _is_super(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "super"


def test_no_component_sets_another_s_state_or_calls_its_private_methods():
    """A component changes another's state only through its public methods or messages,
    never by assigning its attributes or calling its `_private` methods, and no worker
    assigns the app's attributes: the owner of a piece of state is the one place it
    changes (docs/architecture.md, threads and messages). Textual reactives are public."""
    reactives = _reactives()
    ui = Path(connlog_tui.ui.__file__).parent
    found = {}
    for path in sorted(ui.glob("*.py")):
        wrong = _violations(path.read_text(), path.name == "app.py", reactives)
        if wrong:
            found[path.name] = wrong
    assert found == {}


def test_the_ownership_rule_sees_what_it_claims_to():
    reactives = _reactives()
    assert "cursor" in reactives  # LogTable's: set from outside, clamped by its watcher
    component = """
def a(self):
    self.owner.skipped = []
    self.owner.table.payloads = None
    app = self.owner
    app.verbs.marked_only = False
    table = self.owner.table
    table.matched = None
    self.owner.table._draw_rows(0, 1)
    self.owner.table.cursor = 3
    self.mine = 1
    self.styles.width = 2
    self._helper()
    super()._helper()
"""
    assert [v.split(":")[0] for v in _violations(component, False, reactives)] == [
        "3", "4", "6", "8", "9",
    ]  # fmt: skip
    in_app = "def b(self):\n    self.filterer.result = None\n    self.status = 1\n"
    in_app += "    self.query_one(Strip).display = False\n"
    assert _violations(in_app, True, reactives) == ["2: self.filterer.result ="]
    assert _violations("def c(app):\n    app.zone = 'UTC'\n", False, reactives) == ["2: app.zone ="]
