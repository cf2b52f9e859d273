"""What connlog remembers between runs (`state.json` in the state directory): the files
opened recently, most recent first, and the last session's view for each set of files. The
file is connlog's own (JSON); a broken one is set aside and started afresh."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from connlog_tui.atomic import write_text_atomic
from connlog_tui.config import APP_NAME
from connlog_tui.errors import ConnlogError
from connlog_tui.query import FilterState
from connlog_tui.views import View, iso, read_text, view_from_dict, view_to_dict

RECENT_LIMIT = 20
SESSION_LIMIT = 50
STATE_VERSION = 1


def state_path() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME)) / "state.json"


def file_set(paths: Iterable[str | Path]) -> list[str]:
    """The identity of a set of opened files: their absolute paths, sorted."""
    return sorted({str(Path(p).expanduser().absolute()) for p in paths})


def load_state(path: Path | None = None) -> dict[str, Any]:
    """The state file's data ({} when there is none). ConnlogError if it is broken."""
    path = path or state_path()
    text = read_text(path)
    if not text.strip():
        return {"version": STATE_VERSION, "recent": [], "sessions": []}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConnlogError(f"line {exc.lineno}: not valid JSON ({exc.msg})", str(path)) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("recent", []), list)
        or not isinstance(data.get("sessions", []), list)
    ):
        raise ConnlogError("not a connlog state file", str(path))
    data.setdefault("recent", [])
    data.setdefault("sessions", [])
    return data


def _update_state(path: Path | None, change) -> None:
    path = path or state_path()
    try:
        data = load_state(path)
    except ConnlogError:
        # Our own file, not hand-edited: keep the broken one aside and start afresh.
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(path.name + ".broken"))
        data = {"version": STATE_VERSION, "recent": [], "sessions": []}
    change(data)
    data["version"] = STATE_VERSION
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def recent_files(path: Path | None = None) -> list[str]:
    """Recently opened files, most recent first."""
    return [p for p in load_state(path)["recent"] if isinstance(p, str)]


def add_recent(
    paths: Iterable[str | Path], *, limit: int = RECENT_LIMIT, path: Path | None = None
) -> list[str]:
    """Put files at the front of the recent list (deduplicated, at most `limit`)."""
    opened = [str(Path(p).expanduser().absolute()) for p in paths]

    def change(data):
        rest = [p for p in data["recent"] if p not in opened]
        data["recent"] = list(dict.fromkeys(opened + rest))[:limit]

    _update_state(path, change)
    return recent_files(path)


def save_session(
    paths: Iterable[str | Path],
    filters: FilterState,
    *,
    sort: str | None = None,
    descending: bool = False,
    columns: Iterable[str] | None = None,
    path: Path | None = None,
) -> None:
    """Remember the view of this set of files, to restore next time on request."""
    files = file_set(paths)
    view = View("last session", filters, sort, descending, tuple(columns) if columns else None)
    record = {
        "files": files,
        "saved": iso(datetime.now(UTC)),
        "view": view_to_dict(view),
    }

    def change(data):
        others = [s for s in data["sessions"] if isinstance(s, dict) and s.get("files") != files]
        data["sessions"] = [record] + others[: SESSION_LIMIT - 1]

    _update_state(path, change)


def load_session(paths: Iterable[str | Path], path: Path | None = None) -> View | None:
    """The last session's view for this set of files, or None."""
    files = file_set(paths)
    for record in load_state(path)["sessions"]:
        if isinstance(record, dict) and record.get("files") == files:
            try:
                return view_from_dict("last session", record.get("view", {}))
            except ValueError as exc:
                raise ConnlogError(f"last session: {exc}", str(path or state_path())) from None
    return None
