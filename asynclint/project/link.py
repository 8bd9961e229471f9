"""The link step: confirm deferred findings against the project index, and locate them.

Free of LibCST, so a run whose files all come from the cache links without importing it.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from asynclint.apis.asyncio_api import COROUTINE_FUNCTIONS
from asynclint.project.facts import SUPER, Pending
from asynclint.findings import Finding
from asynclint.project.index import ProjectIndex
from asynclint.engine.noqa import noqa_codes, suppressed


def display_name(name: str) -> str:
    return name[len("builtins."):] if name.startswith("builtins.") else name


def link_blocking_helper(pending: Pending, index: ProjectIndex) -> Optional[str]:
    found = index.blocking_chain(pending.callee, pending.iterated)
    if found is None:
        return None
    names, site = found
    chain = " -> ".join(display_name(name) for name in names)
    return (
        f"blocks the event loop through project code: calls {chain} ({site.path}:{index.site_line(site)}); "
        "make the helper async or call it with `await asyncio.to_thread(...)`"
    )


def shown_callee(callee: str, index: ProjectIndex) -> str:
    """``super().setup`` is named by the base method it reaches (``pkg.Base.setup``)."""
    if SUPER in callee:
        found = index.function(callee)
        if found is not None:
            return found.qualname
    return callee


def is_coroutine(callee: str, index: ProjectIndex) -> bool:
    return callee in COROUTINE_FUNCTIONS or index.is_coroutine_function(callee)


def link_dropped(pending: Pending, index: ProjectIndex) -> Optional[str]:
    if not is_coroutine(pending.callee, index):
        return None
    return (
        f"coroutine `{shown_callee(pending.callee, index)}` is never awaited: calling it only creates a coroutine object "
        "and the work never runs; add `await` (or schedule it with `asyncio.create_task` and keep the task)"
    )


def link_condition(pending: Pending, index: ProjectIndex) -> Optional[str]:
    if not is_coroutine(pending.callee, index):
        return None
    return (
        f"coroutine `{shown_callee(pending.callee, index)}` used as a condition: a coroutine object is always true "
        "and the call never runs; add `await`"
    )


# Code -> how a deferred finding is confirmed against the project index: a message, or None.
LINKERS: Dict[str, Callable[[Pending, ProjectIndex], Optional[str]]] = {
    "AIO110": link_blocking_helper,
    "AIO200": link_dropped,
    "AIO202": link_condition,
}


def link(pending: Sequence[Pending], index: ProjectIndex) -> List[Finding]:
    """Turn deferred findings into findings where the project index confirms them."""
    out: List[Finding] = []
    positions = index.positions
    for item in pending:
        message = LINKERS[item.code](item, index)
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
