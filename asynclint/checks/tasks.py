"""AIO300, AIO301: tasks whose only reference is dropped, so they can vanish mid-run."""
from __future__ import annotations

import fnmatch
from typing import Optional

import libcst as cst

from asynclint.apis.asyncio_api import TASK_GROUPS, TASK_SPAWNERS
from asynclint.engine.contract import Check
from asynclint.engine.walker import Context
from asynclint.fixes.builders import keep_task
from asynclint.engine.resolver import dotted
from asynclint.settings import Settings

_LOOP_TYPE = "asyncio.AbstractEventLoop"


def _receiver_looks_like_loop(expr: cst.BaseExpression) -> bool:
    """``loop``, ``self.loop``, ``self._event_loop``: an unresolvable receiver named like a loop."""
    name = dotted(expr)
    return name is not None and "loop" in name.rsplit(".", 1)[-1].lower()


class DroppedTasks(Check):
    codes = ("AIO300", "AIO301")

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.keepers = settings.task_keepers

    def spawner(self, call: cst.Call, ctx: Context) -> Optional[str]:
        """The name of the task-starting call, or None if ``call`` does not start a weak task."""
        name = ctx.callee(call)
        if name is not None and any(fnmatch.fnmatchcase(name, k) for k in self.keepers):
            return None
        if name in TASK_SPAWNERS:
            return name
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "create_task":
            return None
        receiver = ctx.value(func.value)
        if receiver in TASK_GROUPS:
            return None
        # Loops are mostly reached through attributes of objects whose types are not known
        # (``hass.loop``, ``self._loop``), so a receiver named like a loop counts as one.
        if receiver == _LOOP_TYPE or _receiver_looks_like_loop(func.value):
            return "loop.create_task"
        return None

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not isinstance(ctx.parent, cst.Expr) or ctx.is_awaited(node):
            return
        name = self.spawner(node, ctx)
        if name is not None:
            statement = ctx.parent
            ctx.report(
                node,
                "AIO300",
                f"the task from `{name}` is dropped: the event loop keeps only a weak reference, so it can be "
                "garbage-collected mid-run; keep a reference (a set of background tasks) or use a TaskGroup",
                keep_task(statement, node, ctx),
            )

    def leave_Assign(self, node: cst.Assign, ctx: Context) -> None:
        if len(node.targets) == 1:
            self._watch_task(node, node.targets[0].target, node.value, ctx)

    def leave_AnnAssign(self, node: cst.AnnAssign, ctx: Context) -> None:
        """``task: asyncio.Task = loop.create_task(...)`` drops the task just the same."""
        if node.value is not None:
            self._watch_task(node, node.target, node.value, ctx)

    def _watch_task(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression, ctx: Context) -> None:
        if not isinstance(value, cst.Call):
            return
        if not isinstance(target, cst.Name) or not isinstance(ctx.frame.node, cst.FunctionDef):
            return
        name = self.spawner(value, ctx)
        if name is None:
            return
        message = (
            f"task `{target.value}` from `{name}` is never used again: nothing keeps, awaits or cancels it, "
            "so it can be garbage-collected mid-run; keep it in a set of background tasks or await it"
        )
        ctx.watch_unused(target, lambda: ctx.report(node, "AIO301", message))
