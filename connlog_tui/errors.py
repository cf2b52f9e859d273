"""The one error type connlog shows to users (a single line, no traceback), and the
signal a stale query stops with."""


class ConnlogError(Exception):
    """Bad input or usage, explained in one line (the CLI prints it and exits 2)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class Stale(Exception):
    """A query given up part way because a newer one replaced it (raised between the
    slices of a text search when its `stale()` check says so; never shown to users)."""
