"""The one error type connlog shows to users: a single line, no traceback."""


class ConnlogError(Exception):
    """Bad input or usage, explained in one line (the CLI prints it and exits 2)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
