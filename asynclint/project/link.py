"""The link step: confirm deferred findings against the project index, and locate them.

Free of LibCST, so a run whose files all come from the cache links without importing it.
What a confirmed finding says belongs to its rule family; the rule table names where.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from asynclint.codes import RULES, load
from asynclint.project.facts import Pending
from asynclint.findings import Finding
from asynclint.project.index import ProjectIndex
from asynclint.engine.noqa import noqa_codes, suppressed

# A deferred finding and the index -> its message if the index confirms it, else None.
Confirmation = Callable[[Pending, ProjectIndex], Optional[str]]

_LOADED: Dict[str, Confirmation] = {}


def confirmation(code: str) -> Confirmation:
    """The function the rule table names to confirm ``code``, imported on first use."""
    found = _LOADED.get(code)
    if found is None:
        reference = RULES[code].confirm
        if reference is None:
            raise KeyError(f"{code} has no confirmation in the rule table")
        found = _LOADED[code] = load(reference)
    return found


def link(pending: Sequence[Pending], index: ProjectIndex) -> List[Finding]:
    """Turn deferred findings into findings where the project index confirms them."""
    out: List[Finding] = []
    positions = index.positions
    for item in pending:
        message = confirmation(item.code)(item, index)
        if message is None:
            continue
        line, column, end_line, end_column = item.line, item.column, item.end_line, item.end_column
        if line == 0:
            span = positions.call(item.path, *item.call) if positions is not None else None
            start_line, start_col, end_line, end_col = span or (1, 0, 1, 0)
            line, column, end_column = start_line, start_col + 1, end_col + 1
            if positions is not None and suppressed(item.code, noqa_codes(positions.line_text(item.path, line))):
                continue
        out.append(Finding(item.path, line, column, end_line, end_column, item.code, message, item.fix))
    return out
