"""``--show-source``: the offending line under each finding, with carets under its columns."""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from asynclint.findings import Finding

# Reads a display path's current text; None when it cannot be read (the caret is then skipped).
SourceReader = Callable[[str], Optional[str]]


class SourceLines:
    """Lines of each file, read once, only for files that have findings."""

    def __init__(self, reader: SourceReader) -> None:
        self.reader = reader
        self.cache: Dict[str, Optional[List[str]]] = {}

    def line(self, path: str, number: int) -> Optional[str]:
        if path not in self.cache:
            text = self.reader(path)
            self.cache[path] = None if text is None else text.splitlines()
        lines = self.cache[path]
        if lines is None or not 0 < number <= len(lines):
            return None
        return lines[number - 1]


def source_excerpt(finding: Finding, line: Optional[str]) -> str:
    """``    |`` framed line and carets; a finding spanning lines underlines to the line's end."""
    if line is None:
        return ""
    line = line.expandtabs(1)  # one column per character, as the positions count them
    start = max(finding.column, 1)
    end = finding.end_column if finding.end_line == finding.line else len(line) + 1
    width = max(1, min(end, len(line) + 1) - start)
    gutter = str(finding.line)
    pad = " " * len(gutter)
    return f"{pad} |\n{gutter} | {line}\n{pad} | {' ' * (start - 1)}{'^' * width}\n"
