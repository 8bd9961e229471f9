"""AIO200-AIO202: coroutines created and dropped, tested for truth, or never awaiting.

This module holds what AIO200 and AIO202 say once the project index confirms that the
callee is a coroutine function; it is free of LibCST because the link step runs in the
main process, which confirms every file's findings without parsing any. The check and its
fix are in ``check``.
"""
from __future__ import annotations

from typing import Dict, Optional

from asynclint.apis.asyncio_api import COROUTINE_FUNCTIONS
from asynclint.project.facts import SUPER, Pending
from asynclint.project.index import ProjectIndex

# What goes wrong, after "coroutine `name`".
_CONSEQUENCE: Dict[str, str] = {
    "AIO200": "is never awaited: calling it only creates a coroutine object and the work never runs; "
    "add `await` (or schedule it with `asyncio.create_task` and keep the task)",
    "AIO202": "used as a condition: a coroutine object is always true and the call never runs; add `await`",
}


def shown_callee(callee: str, index: ProjectIndex) -> str:
    """``super().setup`` is named by the base method it reaches (``pkg.Base.setup``)."""
    if SUPER in callee:
        found = index.function(callee)
        if found is not None:
            return found.qualname
    return callee


def is_coroutine(callee: str, index: ProjectIndex) -> bool:
    return callee in COROUTINE_FUNCTIONS or index.is_coroutine_function(callee)


def confirm_coroutine_call(pending: Pending, index: ProjectIndex) -> Optional[str]:
    """The finding's message if the callee is a coroutine function, else None."""
    if not is_coroutine(pending.callee, index):
        return None
    return f"coroutine `{shown_callee(pending.callee, index)}` {_CONSEQUENCE[pending.code]}"
