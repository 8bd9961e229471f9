"""AIO110: calls from ``async def`` into project code that blocks, at any depth.

This check also records the file's facts for the project index (functions, what they call,
the first blocking call of each sync function, classes and their bases, import aliases).
"""
from __future__ import annotations

from typing import List

import libcst as cst

from asynclint.engine.contract import Check
from asynclint.checks.blocking import blocking_entry, user_table
from asynclint.engine.walker import Context
from asynclint.project.facts import FunctionFacts


class ProjectFacts(Check):
    codes = ("AIO110", "AIO200", "AIO202")

    def __init__(self, settings: object) -> None:
        super().__init__(settings)
        self.user = user_table(settings)
        self.stack: List[FunctionFacts] = []

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        frame = ctx.frame
        decorators = tuple(_decorator_name(d.decorator, ctx) for d in node.decorators)
        facts = FunctionFacts(frame.qualname, frame.is_async, decorators=decorators)
        ctx.facts.functions[frame.qualname] = facts
        self.stack.append(facts)

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        facts = self.stack.pop()
        facts.is_generator = ctx.frame.has_yield
        facts.calls = list(dict.fromkeys(facts.calls))

    def visit_ClassDef(self, node: cst.ClassDef, ctx: Context) -> None:
        place = ctx.place
        # Bases are evaluated outside the class body: resolve in the enclosing place.
        bases = [ctx.resolver.value_in(place.parent, arg.value) or "?" for arg in node.bases]
        ctx.facts.classes[place.qualname] = tuple(bases)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        frame = ctx.frame
        if not self.stack or self.stack[-1].qualname != frame.qualname:
            return  # module level, a lambda, or not a function this check opened
        facts = self.stack[-1]
        name = ctx.callee(node)
        found = blocking_entry(node, name, self.user)
        if found is not None:
            if not frame.is_async and facts.blocking is None:
                ctx.sites.append((node, facts, found[0], found[1][0]))
            return
        if name is None or name.startswith("builtins."):
            return
        facts.calls.append(name)
        if frame.is_async and not ctx.is_awaited(node):
            parent = ctx.parent
            iterated = isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node
            ctx.defer(node, "AIO110", name, iterated=iterated)

    def leave_Module(self, node: cst.Module, ctx: Context) -> None:
        module = ctx.module_name
        for local, value in ctx.resolver.module_scope.names.items():
            own = f"{module}.{local}"
            if value is not None and value != own:
                ctx.facts.aliases[own] = value


def _decorator_name(expr: cst.BaseExpression, ctx: Context) -> str:
    if isinstance(expr, cst.Call):
        return ctx.callee(expr) or "?"
    return ctx.value(expr) or "?"
