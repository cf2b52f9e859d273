"""Cutting text to a number of terminal cells so that what is left still tells values
apart: a path keeps its file name, a value may lose its middle (its start and end often
differ), and a list of labels is cut so that no two distinct values look alike."""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"


def head(text: str, cells: int) -> str:
    """The longest start of `text` that fits in `cells`."""
    return set_cell_size(text, cells).rstrip() if cell_len(text) > cells else text


def tail(text: str, cells: int) -> str:
    """The longest end of `text` that fits in `cells`."""
    if cells <= 0:
        return ""
    end = text[-cells:] if text.isascii() else text
    while cell_len(end) > cells:
        end = end[1:]
    return end


def cut_middle(text: str, width: int, keep_start: int | None = None) -> str:
    """`text` in at most `width` cells: whole if it fits, else its start (`keep_start`
    cells; half by default), an ellipsis and its end."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1
    start = room - room // 2 if keep_start is None else max(0, min(keep_start, room))
    left = set_cell_size(text, start) if start else ""
    return left + ELLIPSIS + tail(text, room - cell_len(left))


def cut_path(text: str, width: int) -> str:
    """A path in at most `width` cells, its folders cut first: `…/name.csv`. A name too
    long by itself loses its middle, keeping its extension."""
    if cell_len(text) <= width:
        return text
    name = re.split(r"[/\\]", text)[-1]
    if cell_len(name) + 2 <= width:
        return ELLIPSIS + "/" + name if name != text else name
    return cut_middle(name, width)


def distinct_labels(values: list[str], width: int) -> dict[str, str]:
    """Each value cut to `width` cells so that no two values share a label: its start
    where that keeps it apart from the others; else, among the values still alike, its
    start and end (the middle cut), or its start as far as where they differ, or a window
    around the difference. A value that cannot be told apart in `width` is kept whole
    (the caller wraps it)."""
    labels = {v: cut_middle(v, width, keep_start=width) for v in values}
    for _ in range(8):  # each round, a group still alike agrees on a longer start
        alike = _alike(labels)
        if not alike:
            return labels
        for group in alike:
            others = {label for value, label in labels.items() if value not in group}
            labels.update(_tell_apart(group, width, others))
    for group in _alike(labels):
        for value in group:
            labels[value] = value
    return labels


def _alike(labels: dict[str, str]) -> list[list[str]]:
    by_label: dict[str, list[str]] = {}
    for value, label in labels.items():
        by_label.setdefault(label, []).append(value)
    return [group for group in by_label.values() if len(group) > 1]


def _tell_apart(group: list[str], width: int, taken: set[str]) -> dict[str, str]:
    """Labels for values whose starts look alike: the first way of cutting them that
    gives each its own label (not one in `taken`), else the last way."""
    first = min(_first_difference(x, y) for i, x in enumerate(group) for y in group[i + 1 :])
    ways = (
        lambda v: cut_middle(v, width),
        lambda v: cut_middle(v, width, keep_start=cell_len(v[: first + 1])),
        lambda v: _window(v, first, width),
    )
    for way in ways:
        labels = {v: way(v) for v in group}
        if len(set(labels.values())) == len(group) and not taken & set(labels.values()):
            break
    return labels


def _window(value: str, at: int, width: int) -> str:
    """`value` around its character `at`, between ellipses, in `width` cells."""
    if cell_len(value[: at + 1]) < width:
        return cut_middle(value, width, keep_start=cell_len(value[: at + 1]))
    window = value[max(0, at - (width - 2) // 2) :]
    return ELLIPSIS + cut_middle(window, width - 1, keep_start=width - 2)


def _first_difference(a: str, b: str) -> int:
    pairs = enumerate(zip(a, b, strict=False))
    return next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
