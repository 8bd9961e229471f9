"""AIO500, AIO501: swallowed cancellation, and the deprecated loop lookup in coroutines."""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Set, Union

import libcst as cst

from asynclint.apis.asyncio_api import BROAD_EXCEPTIONS, CANCELLED_ERRORS, GET_EVENT_LOOP
from asynclint.engine.contract import Check
from asynclint.engine.walker import Context
from asynclint.fixes.builders import running_loop
from asynclint.engine.resolver import dotted, small_statements
from asynclint.settings import Settings


def reraises(body: cst.BaseSuite) -> bool:
    """Any ``raise`` in the handler's own code (not in a nested def) lets cancellation out."""
    statements = getattr(body, "body", ())
    return any(isinstance(stmt, cst.Raise) for stmt in small_statements(statements))


# Methods after which awaiting the object cannot be this task's own cancellation point.
_SETTLING = frozenset({"cancel", "set_result", "set_exception"})


class _OpenTry:
    """A try statement being walked: yields before it, yields in its body (None until the
    first handler), and for each await in the body whether it waits for something this
    function cancelled."""

    __slots__ = ("before", "in_body", "awaits")

    def __init__(self, before: int) -> None:
        self.before = before
        self.in_body: Optional[int] = None
        self.awaits: List[bool] = []


class _Suppression(NamedTuple):
    """An open ``with contextlib.suppress(...)`` block that catches cancellation."""

    node: cst.With
    before: int  # yields before it
    shown: str  # how it is spelled
    awaits: List[bool]  # as in _OpenTry


class Cancellation(Check):
    codes = ("AIO500", "AIO501")

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.tries: List[_OpenTry] = []
        self.suppressing: List[_Suppression] = []
        # Per function: what it has called ``.cancel()`` (or ``set_result``/``set_exception``) on.
        self.settled: Dict[int, Set[str]] = {}

    def _waits_only_for_settled(self, awaits: List[bool]) -> bool:
        """``task.cancel()`` then ``try: await task`` / ``except CancelledError: pass``: the
        CancelledError caught is the one just asked for, not this task's own cancellation."""
        return bool(awaits) and all(awaits)

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
        self.tries.append(_OpenTry(ctx.frame.yields))

    def visit_Await(self, node: cst.Await, ctx: Context) -> None:
        name = dotted(node.expression)
        settled = name is not None and name in self.settled.get(id(ctx.frame), ())
        for state in self.tries:
            if state.in_body is None:
                state.awaits.append(settled)
        for region in self.suppressing:
            region.awaits.append(settled)

    def leave_Try(self, node: Union[cst.Try, cst.TryStar], ctx: Context) -> None:
        self.tries.pop()

    def visit_ExceptHandler(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler], ctx: Context) -> None:
        if not self.tries:
            return
        state = self.tries[-1]
        if state.in_body is None:
            state.in_body = ctx.frame.yields - state.before  # awaits in the try body
        if not ctx.in_async or not state.in_body:
            return  # cancellation is delivered at an await: none in the body, none to catch
        what = self.catches_cancellation(node, ctx)
        if what is not None and not reraises(node.body) and not self._waits_only_for_settled(state.awaits):
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
                    self.suppressing.append(_Suppression(node, ctx.frame.yields, dotted(call.func) or "suppress", []))
                    return

    def leave_With(self, node: cst.With, ctx: Context) -> None:
        if self.suppressing and self.suppressing[-1].node is node:
            region = self.suppressing.pop()
            if ctx.frame.yields > region.before and not self._waits_only_for_settled(region.awaits):
                ctx.report(node, "AIO500", f"`{region.shown}(...)` around an `await` swallows cancellation: the task cannot be "
                           "cancelled and `asyncio.timeout`/`TaskGroup` break; catch it with `try`/`except` "
                           "and re-raise")

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        self.settled.pop(id(ctx.frame), None)

    # ``try``/``except*`` swallows cancellation the same way.
    visit_TryStar = visit_Try
    leave_TryStar = leave_Try
    visit_ExceptStarHandler = visit_ExceptHandler

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _SETTLING:
            target = dotted(func.value)
            if target is not None:
                self.settled.setdefault(id(ctx.frame), set()).add(target)
        if ctx.in_async and ctx.callee(node) in GET_EVENT_LOOP:
            ctx.report(node, "AIO501", "`asyncio.get_event_loop()` inside a coroutine is deprecated in this role; "
                       "use `asyncio.get_running_loop()`", running_loop(node, ctx))
