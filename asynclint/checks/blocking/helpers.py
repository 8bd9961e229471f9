"""AIO110: calls from ``async def`` into project code that blocks, at any depth.

Whether a helper blocks is known only once every file's facts are in the project index,
so this check only defers its findings; the link step confirms them.
"""
from __future__ import annotations

import libcst as cst

from asynclint.engine.contract import Check
from asynclint.engine.walker import Context


class BlockingHelperCalls(Check):
    codes = ("AIO110",)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        # Fact collection visited this call just before and resolved it; a project call
        # is one it recorded for the function, so only those are candidates.
        call = ctx.sites.project_call
        if call is None or call.node is not node or not ctx.in_async or ctx.is_awaited(node):
            return
        parent = ctx.parent
        iterated = isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node
        ctx.defer(node, "AIO110", call.callee, iterated=iterated)
