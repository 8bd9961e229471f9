"""AIO200, AIO201, AIO202: the check and its fix.

AIO200 and AIO202 are deferred here and confirmed (with their messages) by the package.
"""
from __future__ import annotations

import fnmatch
from typing import Optional

import libcst as cst

from asynclint.fixes.builders import insert_await
from asynclint.engine.contract import Check
from asynclint.engine.walker import Context
from asynclint.settings import Settings


def is_condition(node: cst.CSTNode, parent: Optional[cst.CSTNode]) -> bool:
    """True where only the truth of ``node`` is used: a coroutine object is always true."""
    if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf)):
        return parent.test is node
    if isinstance(parent, cst.UnaryOperation):
        return isinstance(parent.operator, cst.Not)
    return isinstance(parent, cst.BooleanOperation)


def is_stub(body: cst.BaseSuite) -> bool:
    """A body that only documents an interface: docstring, ``pass``, ``...``, NotImplementedError."""
    statements = body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()
    for statement in statements:
        smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else (statement,)
        for small in smalls:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)):
                continue
            if isinstance(small, cst.Raise) and _names_not_implemented(small.exc):
                continue
            return False
    return True


def _names_not_implemented(exc: Optional[cst.BaseExpression]) -> bool:
    if isinstance(exc, cst.Call):
        exc = exc.func
    return isinstance(exc, cst.Name) and exc.value == "NotImplementedError"


class CoroutineCalls(Check):
    codes = ("AIO200", "AIO201", "AIO202")

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.allow = settings.allow_no_await

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.is_awaited(node):
            return
        name = ctx.callee(node)
        if name is None or name.startswith("builtins."):
            return
        parent = ctx.parent
        if is_condition(node, parent):
            ctx.defer(node, "AIO202", name, insert_await(node, ctx))
        elif isinstance(parent, cst.Expr):
            ctx.defer(node, "AIO200", name, insert_await(node, ctx))

    def leave_Assign(self, node: cst.Assign, ctx: Context) -> None:
        value = node.value
        if not isinstance(value, cst.Call) or len(node.targets) != 1 or ctx.is_awaited(value):
            return
        target = node.targets[0].target
        if not isinstance(target, cst.Name):
            return
        name = ctx.callee(value)
        if name is None or name.startswith("builtins."):
            return
        fix = insert_await(value, _AssignContext(ctx, node)) if ctx.in_async else None
        if target.value == "_":
            ctx.defer(value, "AIO200", name, fix)
        elif isinstance(ctx.frame.node, cst.FunctionDef):
            ctx.watch_unused(target, lambda: ctx.defer(value, "AIO200", name, fix))

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        frame = ctx.frame
        if (
            not frame.is_async
            or frame.yields
            or frame.has_yield
            or frame.class_qualname is not None
            or node.decorators
            or is_stub(node.body)
            or any(fnmatch.fnmatchcase(frame.qualname, pattern) for pattern in self.allow)
        ):
            return
        ctx.report(
            node,
            "AIO201",
            f"`async def {node.name.value}` never awaits, so it never yields to the event loop; "
            "make it a plain `def`, or await the asynchronous work it should do",
        )


class _AssignContext:
    """The context as seen from the assigned call: its parent is the assignment."""

    def __init__(self, ctx: Context, assign: cst.Assign) -> None:
        self._ctx = ctx
        self.parent = assign
        self.parents = ctx.parents + [assign]

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._ctx, name)
