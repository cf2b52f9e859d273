"""Row colours are readable: at least 4.5:1 against the table (WCAG AA), in the dark and
the light theme alike."""

from __future__ import annotations

from conftest import SMALL_LOG
from uihelpers import make_app, settle

from connlog_tui.ui.table import LogTable


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance."""
    linear = [
        c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_every_outcome_row_meets_wcag_aa_in_both_themes():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        await pilot.press("g")  # the cursor on the first row; the others are plain rows
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            seen = set()
            for y in range(2, table.row_count + 1):
                outcome = str(app.frame["outcome"][int(table.indices[y - 1])])
                style = next(iter(table.render_line(y))).style
                fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
                ratio = contrast(tuple(fg), tuple(bg))
                assert ratio >= 4.5, (theme, outcome, fg, bg, round(ratio, 2))
                seen.add(outcome)
            assert {"failure", "success", "pending"} <= seen
