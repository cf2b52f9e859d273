"""Cutting text to a number of terminal cells so that what is left still tells values
apart: the middle of a long value goes (its start and end usually differ), a path keeps
its file name, and a list of labels is cut so that no two distinct values look alike."""

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
    """Each value cut to `width` cells so that no two values share a label. The middle
    goes where that keeps them apart; else, for the values still alike, the cut moves to
    show where they differ; a value that cannot be told apart in `width` is kept whole
    (the caller wraps it)."""
    labels = {v: cut_middle(v, width) for v in values}
    for _ in range(2):
        alike = _alike(labels)
        if not alike:
            return labels
        for group in alike:
            for value, label in _where_they_differ(group, width).items():
                labels[value] = label
    for group in _alike(labels):
        for value in group:
            labels[value] = value
    return labels


def _alike(labels: dict[str, str]) -> list[list[str]]:
    by_label: dict[str, list[str]] = {}
    for value, label in labels.items():
        by_label.setdefault(label, []).append(value)
    return [group for group in by_label.values() if len(group) > 1]


def _where_they_differ(group: list[str], width: int) -> dict[str, str]:
    """Labels for values that look alike cut in the middle: the start kept as far as the
    first character where two of them differ, the rest from their ends; or, when that
    character is too far in, a window around it between two ellipses."""
    first = min(_first_difference(x, y) for i, x in enumerate(group) for y in group[i + 1 :])
    labels = {}
    for value in group:
        start = value[: first + 1]
        if cell_len(start) < width:
            labels[value] = cut_middle(value, width, keep_start=cell_len(start))
            continue
        window = value[max(0, first - (width - 2) // 2) :]
        labels[value] = ELLIPSIS + cut_middle(window, width - 1, keep_start=width - 2)
    return labels


def _first_difference(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
