"""A program in a detached tmux, its screen read with capture-pane or its output pushed by a
control-mode client: how the benchmark times first screens and key-to-frame."""

from __future__ import annotations

import contextlib
import os
import re
import select
import statistics
import subprocess
import time
from pathlib import Path

DATA_ROW = re.compile(r"20\d\d-\d\d-\d\d[T ]\d\d:\d\d:\d\d")
POLL_PAUSE = 0.003  # seconds between capture-pane polls (see Tmux.wait)
LONG_POLL = 0.02  # between polls while waiting seconds (a load, a search, triage)


class TmuxGone(Exception):
    """The tmux server went away (the command died, or something killed the server)."""


class Tmux:
    """A detached tmux server running one command; the screen is read with capture-pane."""

    def __init__(self, command: str, env: dict, width: int = 200, height: int = 50) -> None:
        self.socket = f"connlog-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.env = dict(env, TERM="xterm-256color")
        self.width, self.height = width, height
        self.started = time.perf_counter()
        self.tmux("new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env
        )
        if proc.returncode != 0 and args[0] != "kill-server":
            raise TmuxGone(proc.stderr.strip() or f"tmux {args[0]} failed")
        return proc.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "b")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "b", *keys)

    def wait(
        self, test, timeout: float = 120.0, pause: float = POLL_PAUSE
    ) -> tuple[float, str] | None:
        """Seconds since the session started until `test(screen)` holds, polling every
        `pause` seconds: as fast as capture-pane answers for a first screen, where each
        millisecond counts. A wait of seconds polls less (LONG_POLL): each capture-pane is
        a process, and polled every few ms for seconds they took about half a core from
        the program being measured (on this 2-core machine, a 1M-row cold load took 3.5 s
        in the app instead of 2.8 s)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            screen = self.screen()
            if test(screen):
                return time.perf_counter() - self.started, screen
            time.sleep(pause)
        return None

    def pids(self, name: str) -> list[int]:
        """Processes under the pane whose command line mentions `name`."""
        root = self.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}").strip()
        if not root:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [int(root)]
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError):
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if name in cmd:
                    found.append(pid)
            todo += children.get(pid, [])
        return found

    def memory(self, name: str) -> list[dict[str, int]]:
        """The memory fields of /proc/PID/status (bytes) of each of those processes."""
        found = []
        for pid in self.pids(name):
            with contextlib.suppress(OSError):
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
                found.append(
                    {
                        key: int(value.split()[0]) * 1024
                        for key, value in (line.split(":", 1) for line in lines if ":" in line)
                        if value.strip().endswith(" kB")
                    }
                )
        return found

    def peak_rss(self, name: str) -> int | None:
        """The largest VmHWM among those processes (the program, not its shell)."""
        return max((m["VmHWM"] for m in self.memory(name) if "VmHWM" in m), default=None)

    def rss_split(self, name: str) -> dict:
        """RssAnon and RssFile (bytes) of the largest such process now: heap against pages
        of mapped files, which the kernel can take back from the page cache."""
        splits = [
            {k: m[k] for k in ("RssAnon", "RssFile")}
            for m in self.memory(name)
            if "RssAnon" in m and "RssFile" in m
        ]
        return max(splits, key=lambda split: sum(split.values()), default={})

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


class Control:
    """A tmux control-mode client on a `Tmux` session: keys go over its pipe (no tmux
    process started per key) and tmux pushes each burst of program output as it reads it
    (no polling). So key to frame is timed to within a millisecond, where the
    capture-pane loop adds a process start per key and per poll (see `textual_floor`)."""

    QUIET = 0.005  # a frame is a burst of output; it has ended after this much silence

    def __init__(self, term: Tmux) -> None:
        self.proc = subprocess.Popen(
            ["tmux", "-L", term.socket, "-C", "attach", "-t", "b"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=term.env,
        )
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.command(f"refresh-client -C {term.width}x{term.height}")  # keep the size
        self.settle()

    def command(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def burst(self, quiet: float, timeout: float = 5.0) -> tuple[float | None, int]:
        """When the last `%output` of the next burst arrived (None if none came), and
        how many bytes of notifications the burst held."""
        last, size, deadline = None, 0, time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.fd], [], [], quiet if last else timeout)
            if not ready:
                if last is not None:
                    break
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                break
            if b"%output" in chunk:
                last, size = time.perf_counter(), size + len(chunk)
        return last, size

    def settle(self, quiet: float = 0.2, limit: float = 2.0) -> None:
        """Wait until the program has drawn nothing for `quiet` seconds (the detail panel
        follows the cursor 60 ms after it rests): output still in flight when a key is
        sent would be taken for that key's frame."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            end, _ = self.burst(quiet=quiet, timeout=quiet)
            if end is None:
                return

    def key_to_frame(self, key: str, min_bytes: int = 1) -> float | None:
        """Seconds from sending `key` to the end of the frame the program draws for it:
        the first burst of at least `min_bytes` (a status-bar tick is not a page)."""
        self.settle()
        t = time.perf_counter()
        self.command(f"send-keys -t b {key}")
        while True:
            end, size = self.burst(quiet=self.QUIET)
            if end is None:
                return None
            if size >= min_bytes:
                return end - t

    def close(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait()


def guarded(measure, *args, **kwargs) -> dict:
    try:
        return measure(*args, **kwargs)
    except TmuxGone as exc:
        return {"error": f"tmux session lost: {exc}"}


def has_data_row(screen: str) -> bool:
    return any(DATA_ROW.search(line) for line in screen.splitlines()[1:])


def capture_cost(term: Tmux, n: int = 20) -> float:
    t = time.perf_counter()
    for _ in range(n):
        term.screen()
    return (time.perf_counter() - t) / n


def key_to_frame(term: Tmux, key: str, timeout: float = 5.0) -> float | None:
    """Seconds from sending `key` until the captured screen differs."""
    before = term.screen()
    t = time.perf_counter()
    term.keys(key)
    deadline = t + timeout
    while time.perf_counter() < deadline:
        if term.screen() != before:
            return time.perf_counter() - t
        time.sleep(POLL_PAUSE)
    return None


def paging(term: Tmux, reps: int, min_bytes: int = 1) -> dict:
    """PageDown `reps` times through a control-mode client, each once the screen is
    still; a frame is the first burst of output of at least `min_bytes`."""
    control = Control(term)
    try:
        pages = []
        for _ in range(reps):
            took = control.key_to_frame("PageDown", min_bytes)
            if took is not None:
                pages.append(took)
    finally:
        control.close()
    if not pages:
        return {}
    return {"page_median": statistics.median(pages), "page_max": max(pages), "page_n": len(pages)}
