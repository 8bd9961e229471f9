"""A one-line progress bar on stderr for long runs on a terminal.

It never appears in machine-readable formats or when stderr is not a terminal, and it is
cleared before anything else is printed, so it cannot interleave with findings.
"""
from __future__ import annotations

import time
from typing import TextIO

# Below this many files a run is quick enough that a bar would only flicker.
PROGRESS_THRESHOLD = 300


def wants_progress(stream: TextIO, output_format: str, file_count: int) -> bool:
    isatty = getattr(stream, "isatty", None)
    return output_format == "text" and file_count > PROGRESS_THRESHOLD and bool(isatty and isatty())


class ProgressBar:
    """``[#####     ] 1234/7978 files``, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, total: int, width: int = 30) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.width = width
        self.done = 0
        self.last_draw = 0.0
        self.drawn = False

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        now = time.monotonic()
        if now - self.last_draw >= 0.1 or self.done == self.total:
            self.last_draw = now
            self.draw()

    def draw(self) -> None:
        filled = self.width * self.done // self.total
        bar = "#" * filled + " " * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} files")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
