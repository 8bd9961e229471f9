"""Positions of calls found by rank, for findings confirmed only when the project is linked.

Most calls an ``async def`` makes into project code turn out fine once the project index
is known, so a worker does not spend time locating them: it records each candidate's rank
(the n-th call of its file, in source order) and the name its text starts with. The few
that the index confirms are located here, from CPython's ``ast`` of the file, which is an
order of magnitude cheaper than LibCST. When ``ast`` cannot read the file (syntax newer
than this interpreter) or the evidence does not match, LibCST answers instead.
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Optional, Tuple


class Range(NamedTuple):
    """Where a node is: lines count from 1, columns (in characters) from 0. Defined here,
    without LibCST, because linking reads positions too; engine/locate.py makes them."""

    line: int
    column: int
    end_line: int
    end_column: int


TextSource = Callable[[str], Optional[str]]


class CallPositions:
    """Locates calls by rank in the files of one run; each file is read at most once."""

    def __init__(self, text_of: TextSource) -> None:
        self._text_of = text_of
        self._ast: Dict[str, Optional[List[Tuple[Range, str]]]] = {}
        self._cst: Dict[str, Optional[List[Range]]] = {}
        self._lines: Dict[str, Optional[List[str]]] = {}

    def line_text(self, path: str, line: int) -> str:
        if path not in self._lines:
            text = self._text_of(path)
            self._lines[path] = None if text is None else text.splitlines()
        lines = self._lines[path]
        return lines[line - 1] if lines is not None and 0 < line <= len(lines) else ""

    def call(self, path: str, rank: int, total: int, anchor: str) -> Optional[Range]:
        """The range of the ``rank``-th of ``total`` calls in ``path``, whose text starts with ``anchor``."""
        if path not in self._ast:
            text = self._text_of(path)
            from asynclint.engine.locate import ast_calls

            self._ast[path] = None if text is None else ast_calls(text)
        calls = self._ast[path]
        if calls is not None and len(calls) == total and 0 <= rank < total:
            span, starts = calls[rank]
            if not anchor or starts.startswith(anchor):
                return span
        return self._from_cst(path, rank, total)

    def _from_cst(self, path: str, rank: int, total: int) -> Optional[Range]:
        if path not in self._cst:
            text = self._text_of(path)
            from asynclint.engine.locate import call_ranges_from_cst

            self._cst[path] = None if text is None else call_ranges_from_cst(text)
        ranges = self._cst[path]
        if ranges is None or len(ranges) != total or not 0 <= rank < total:
            return None
        return ranges[rank]
