"""AIO500, AIO501: swallowed cancellation, and the deprecated loop lookup in coroutines."""
from __future__ import annotations

from typing import List, Optional, Tuple, Union

import libcst as cst

from asynclint.asyncio_api import BROAD_EXCEPTIONS, CANCELLED_ERRORS, GET_EVENT_LOOP
from asynclint.checks.base import Check
from asynclint.engine import Context
from asynclint.fixes import running_loop
from asynclint.names import dotted, small_statements


def reraises(body: cst.BaseSuite) -> bool:
    """Any ``raise`` in the handler's own code (not in a nested def) lets cancellation out."""
    statements = getattr(body, "body", ())
    return any(isinstance(stmt, cst.Raise) for stmt in small_statements(statements))


class Cancellation(Check):
    codes = ("AIO500", "AIO501")

    def __init__(self, settings: object) -> None:
        super().__init__(settings)
        # Per open try statement: yields before its body, and yields within it (None until known).
        self.tries: List[List[Optional[int]]] = []
        # Open ``with contextlib.suppress(...)`` blocks that catch cancellation: node, yields before.
        self.suppressing: List[Tuple[cst.With, int, str]] = []

    def catches_cancellation(self, handler: Union[cst.ExceptHandler, cst.ExceptStarHandler], ctx: Context) -> Optional[str]:
        if handler.type is None:
            return "bare `except:`"
        types = [e.value for e in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
        for expr in types:
            name = ctx.value(expr)
            if name in CANCELLED_ERRORS:
                return "`except CancelledError`"
            if name in BROAD_EXCEPTIONS:
                return "`except BaseException`"
        return None

    def visit_Try(self, node: Union[cst.Try, cst.TryStar], ctx: Context) -> None:
        self.tries.append([ctx.frame.yields, None])

    def leave_Try(self, node: Union[cst.Try, cst.TryStar], ctx: Context) -> None:
        self.tries.pop()

    def visit_ExceptHandler(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler], ctx: Context) -> None:
        if not self.tries:
            return
        state = self.tries[-1]
        if state[1] is None:
            state[1] = ctx.frame.yields - state[0]  # awaits in the try body
        if not ctx.in_async or not state[1]:
            return  # cancellation is delivered at an await: none in the body, none to catch
        what = self.catches_cancellation(node, ctx)
        if what is not None and not reraises(node.body):
            ctx.report(node, "AIO500", f"{what} swallows cancellation: the task cannot be cancelled and "
                       "`asyncio.timeout`/`TaskGroup` break; re-raise `CancelledError` (add `raise`)")

    def visit_With(self, node: cst.With, ctx: Context) -> None:
        if not ctx.in_async:
            return
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and ctx.callee(call) == "contextlib.suppress":
                caught = [ctx.value(arg.value) for arg in call.args]
                if any(name in CANCELLED_ERRORS or name in BROAD_EXCEPTIONS for name in caught):
                    self.suppressing.append((node, ctx.frame.yields, dotted(call.func) or "suppress"))
                    return

    def leave_With(self, node: cst.With, ctx: Context) -> None:
        if self.suppressing and self.suppressing[-1][0] is node:
            _, before, shown = self.suppressing.pop()
            if ctx.frame.yields > before:  # an await inside, where cancellation arrives
                ctx.report(node, "AIO500", f"`{shown}(...)` around an `await` swallows cancellation: the task cannot be "
                           "cancelled and `asyncio.timeout`/`TaskGroup` break; catch it with `try`/`except` "
                           "and re-raise")

    # ``try``/``except*`` swallows cancellation the same way.
    visit_TryStar = visit_Try
    leave_TryStar = leave_Try
    visit_ExceptStarHandler = visit_ExceptHandler

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.in_async and ctx.callee(node) in GET_EVENT_LOOP:
            ctx.report(node, "AIO501", "`asyncio.get_event_loop()` inside a coroutine is deprecated in this role; "
                       "use `asyncio.get_running_loop()`", running_loop(node, ctx))
