"""AIO400, AIO401: loops in ``async def`` that never give the event loop a turn."""
from __future__ import annotations

from typing import List, NamedTuple, Optional

import libcst as cst

from asynclint.engine.contract import Check
from asynclint.engine.walker import Context, Frame
from asynclint.fixes.builders import yield_in_loop
from asynclint.settings import Settings

BIG_RANGE = 10_000


def constant_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return _int(test) not in (None, 0)
    return False


def _int(expr: cst.BaseExpression) -> Optional[int]:
    """The value of an integer literal or simple arithmetic on literals (``10**6``)."""
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if isinstance(expr, cst.BinaryOperation):
        left, right = _int(expr.left), _int(expr.right)
        if left is None or right is None:
            return None
        if isinstance(expr.operator, cst.Multiply):
            return left * right
        if isinstance(expr.operator, cst.Power) and 0 <= right <= 64:
            return left**right
    return None


def big_range(iterable: cst.BaseExpression, ctx: Context) -> bool:
    if not isinstance(iterable, cst.Call) or ctx.callee(iterable) != "builtins.range" or not iterable.args:
        return False
    bound_arg = iterable.args[0] if len(iterable.args) == 1 else iterable.args[1]
    bound = _int(bound_arg.value)
    return bound is not None and bound >= BIG_RANGE


def exits_loop(body: cst.BaseSuite) -> bool:
    """A ``break`` or ``return`` belonging to this loop (not to a nested loop or def)."""
    for stmt in getattr(body, "body", ()):
        if isinstance(stmt, cst.SimpleStatementLine):
            if any(isinstance(s, (cst.Break, cst.Return)) for s in stmt.body):
                return True
        elif isinstance(stmt, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(stmt, cst.BaseCompoundStatement):
            if any(exits_loop(block) for block in _blocks(stmt)):
                return True
    return False


def _blocks(stmt: cst.BaseCompoundStatement) -> List[cst.BaseSuite]:
    if isinstance(stmt, cst.Match):
        return [case.body for case in stmt.cases]
    blocks = [stmt.body]
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        while orelse is not None:
            blocks.append(orelse.body)
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        blocks += [h.body for h in stmt.handlers]
        blocks += [b.body for b in (stmt.orelse, stmt.finalbody) if b is not None]
    return blocks


class _BusyLoop(NamedTuple):
    """An AIO401 loop, with the innermost loops below it where the fix puts a yield point."""

    loop: cst.CSTNode
    innermost: List[cst.CSTNode]


class _Loop:
    __slots__ = ("node", "frame", "yields", "nested", "found", "leaves")

    def __init__(self, node: cst.CSTNode, frame: Frame) -> None:
        self.node = node
        self.frame = frame
        # An ``async for`` awaits each item: its own yield (counted as the walk entered it)
        # is inside the loop.
        own = 1 if isinstance(node, cst.For) and node.asynchronous is not None else 0
        self.yields = frame.yields - own
        self.nested = False
        # AIO401 loops inside, each with the innermost qualifying loops below it: reported
        # unless this loop is reported in their place.
        self.found: List[_BusyLoop] = []
        # The innermost loops of the nest below this one, where a fix puts its yield point.
        self.leaves: List[cst.CSTNode] = []


class BusyLoops(Check):
    codes = ("AIO400", "AIO401")

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.loops: List[_Loop] = []

    def _enter(self, node: cst.CSTNode, ctx: Context) -> None:
        if not ctx.in_async:
            return
        if self.loops and self.loops[-1].frame is ctx.frame:
            self.loops[-1].nested = True
        self.loops.append(_Loop(node, ctx.frame))

    def _leave(self, node: cst.CSTNode, ctx: Context, cpu_bound: bool) -> None:
        if not self.loops or self.loops[-1].node is not node:
            return
        loop = self.loops.pop()
        parent = self.loops[-1] if self.loops and self.loops[-1].frame is loop.frame else None
        no_yield = ctx.frame.yields == loop.yields
        found: List[_BusyLoop]
        if no_yield and isinstance(node, cst.While) and constant_true(node.test) and not exits_loop(node.body):
            ctx.report(node, "AIO400", "infinite loop with no `await`: it never yields, so the event loop "
                       "and every other task stall; await something in the loop, or add `await asyncio.sleep(0)`",
                       yield_in_loop([node], ctx))
            found = []
        elif no_yield and (loop.nested or cpu_bound):
            # Report the outermost busy loop; the fix yields in the innermost ones, so every
            # loop of the nest gets a yield point in one go.
            found = [_BusyLoop(node, loop.leaves or [node])]
        else:
            found = loop.found
        if parent is not None:
            parent.found.extend(found)
            parent.leaves.extend(loop.leaves or [node])
        else:
            for busy, innermost in found:
                ctx.report(busy, "AIO401", "CPU-bound loop with no yield point in `async def` starves the event "
                           "loop; add `await asyncio.sleep(0)` inside it, or move the work to "
                           "`asyncio.to_thread` or a process pool", yield_in_loop(innermost, ctx))

    def visit_For(self, node: cst.For, ctx: Context) -> None:
        self._enter(node, ctx)

    def leave_For(self, node: cst.For, ctx: Context) -> None:
        self._leave(node, ctx, node.asynchronous is None and big_range(node.iter, ctx))

    def visit_While(self, node: cst.While, ctx: Context) -> None:
        self._enter(node, ctx)

    def leave_While(self, node: cst.While, ctx: Context) -> None:
        self._leave(node, ctx, False)
