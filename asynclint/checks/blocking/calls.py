"""AIO100–AIO109: calls that block the event loop, made directly in an ``async def``."""
from __future__ import annotations

from typing import Callable, Dict, Optional

import libcst as cst

from asynclint.apis.blocking_calls import BLOCKING_CONTEXT_MANAGERS
from asynclint.fixes import builders as fixes
from asynclint.engine.blocking_lookup import Blocking, blocking_entry, in_memory, user_table
from asynclint.engine.contract import Check, Fix
from asynclint.engine.walker import Context
from asynclint.checks.blocking import display_name
from asynclint.settings import Settings

_WHAT = {
    "AIO100": "sleeps and blocks the event loop",
    "AIO101": "does blocking network I/O on the event loop",
    "AIO102": "waits for a process and blocks the event loop",
    "AIO103": "does blocking file I/O on the event loop",
    "AIO104": "touches the filesystem and blocks the event loop",
    "AIO105": "waits for console input and blocks the event loop",
    "AIO106": "uses a sync database client that blocks the event loop",
    "AIO107": "waits on a thread primitive and blocks the event loop",
    "AIO108": "starts a nested event loop inside a running one",
    "AIO109": "is listed as blocking in the blocking-calls setting",
}


# Keyword arguments of thread primitives that make the call return at once.
_NON_BLOCKING = {"blocking": False, "block": False, "timeout": 0}


def non_blocking(call: cst.Call) -> bool:
    """``lock.acquire(blocking=False)``, ``queue.get(block=False)``, ``event.wait(timeout=0)`` and
    the positional ``acquire(False)``/``get(False)`` do not wait, so they do not block the loop."""
    for position, arg in enumerate(call.args):
        value = _literal(arg.value)
        if arg.keyword is not None:
            name = arg.keyword.value
            if name in _NON_BLOCKING and value is not None and value == _NON_BLOCKING[name]:
                return True
        elif position == 0 and arg.star == "" and value is False:
            return True
    return False


def _literal(expr: cst.BaseExpression) -> object:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return float(expr.value)
        except ValueError:
            return None
    return None


_FIXES: Dict[str, Callable[[cst.Call, Context], Optional[Fix]]] = {
    "sleep": fixes.await_sleep,
    "to_thread": fixes.to_thread,
    "await_argument": fixes.await_argument,
}


class BlockingCalls(Check):
    codes = tuple(_WHAT)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.user = user_table(settings)

    def resolve(self, call: cst.Call, ctx: Context) -> Optional[Blocking]:
        func = call.func
        unknown = isinstance(func, cst.Attribute) and ctx.unknown_attribute(func.value)
        return blocking_entry(call, ctx.callee(call), self.user, unknown)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async or ctx.is_awaited(node):
            return
        found = self.resolve(node, ctx)
        if found is None:
            return
        code = found.code
        if (code == "AIO107" and non_blocking(node)) or in_memory(node, found.callee, ctx):
            return
        message = f"`{display_name(found.callee)}` {_WHAT[code]}; use {found.suggestion}"
        if fixes._is_with_item(ctx, node) and code == "AIO103":
            message += "; move the whole `with` block into a function run with `await asyncio.to_thread(...)`"
        ctx.report(node, code, message, _FIXES[found.fix](node, ctx) if found.fix else None)

    def visit_With(self, node: cst.With, ctx: Context) -> None:
        if not ctx.in_async or node.asynchronous is not None:
            return
        for item in node.items:
            name = ctx.value(item.item)
            entry = BLOCKING_CONTEXT_MANAGERS.get(name) if name is not None else None
            if entry is not None and not isinstance(item.item, cst.Call):
                code, suggestion, _fix = entry
                ctx.report(item, code, f"`with` on a `{name}` {_WHAT[code]}; use {suggestion}")
