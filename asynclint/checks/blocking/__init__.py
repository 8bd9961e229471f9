"""AIO100-AIO110: calls that block the event loop, directly or through project helpers.

This module holds what the family says once the project index confirms an AIO110 finding;
it is free of LibCST because the link step runs in the main process, which confirms every
file's findings without parsing any. The checks are in ``calls`` (AIO100-AIO109) and
``helpers`` (AIO110).
"""
from __future__ import annotations

from typing import Optional

from asynclint.project.facts import Pending
from asynclint.project.index import ProjectIndex


def display_name(name: str) -> str:
    """A builtin is shown as it is written (``open``, not ``builtins.open``)."""
    return name[len("builtins."):] if name.startswith("builtins.") else name


def confirm_blocking_helper(pending: Pending, index: ProjectIndex) -> Optional[str]:
    """AIO110's message if the callee blocks, directly or through the project code it calls."""
    found = index.blocking_chain(pending.callee, pending.iterated)
    if found is None:
        return None
    chain = " -> ".join(display_name(name) for name in found.names)
    return (
        f"blocks the event loop through project code: calls {chain} ({found.site.path}:{index.site_line(found.site)}); "
        "make the helper async or call it with `await asyncio.to_thread(...)`"
    )
