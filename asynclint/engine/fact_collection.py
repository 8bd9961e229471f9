"""Fact collection: what one file tells the project index, gathered in the file's walk.

It runs for every file whatever the selection or per-file-ignores say, because other
files' findings (AIO110, AIO200, AIO202) rest on what this file defines. It is not a check
and reports nothing; what it learns about calls is kept in ``ctx.sites`` so that AIO110
reads it instead of resolving each call again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, NamedTuple, Optional, Set

import libcst as cst

from asynclint.engine.blocking_lookup import blocking_entry, in_memory, user_table
from asynclint.project.facts import FunctionFacts
from asynclint.settings import Settings

if TYPE_CHECKING:
    from asynclint.engine.walker import Context


class FirstBlockingCall(NamedTuple):
    """A blocking call a sync function makes directly; the engine locates it after the walk."""

    node: cst.Call
    function: FunctionFacts
    callee: str
    code: str


class ProjectCall(NamedTuple):
    """A call, in a function's own body, to a name the project may define."""

    node: cst.Call
    callee: str


class CallSites:
    """What fact collection learned about the file's calls."""

    __slots__ = ("blocking", "with_blocking", "project_call")

    def __init__(self) -> None:
        self.blocking: List[FirstBlockingCall] = []
        self.with_blocking: Set[str] = set()  # functions whose first blocking call is known
        # The last project call visited: checks that run after the collector on the same
        # call (AIO110) find it here while they visit that call.
        self.project_call: Optional[ProjectCall] = None


class FactCollector:
    """Records functions, the names they call, their blocking calls, classes and aliases."""

    def __init__(self, settings: Settings) -> None:
        self.user = user_table(settings)

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: "Context") -> None:
        frame = ctx.frame
        decorators = tuple(_decorator_name(d.decorator, ctx) for d in node.decorators)
        ctx.facts.functions[frame.qualname] = FunctionFacts(frame.qualname, frame.is_async, decorators=decorators)

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: "Context") -> None:
        facts = ctx.facts.functions[ctx.frame.qualname]
        facts.is_generator = ctx.frame.has_yield
        facts.calls = list(dict.fromkeys(facts.calls))

    def visit_ClassDef(self, node: cst.ClassDef, ctx: "Context") -> None:
        place = ctx.place
        # Bases are evaluated outside the class body: resolve in the enclosing place.
        bases = [ctx.resolver.value_in(place.parent, arg.value) or "?" for arg in node.bases]
        ctx.facts.classes[place.qualname] = tuple(bases)

    def visit_Call(self, node: cst.Call, ctx: "Context") -> None:
        frame = ctx.frame
        if frame.node.__class__ is not cst.FunctionDef:
            return  # module level or a lambda: no function's facts to add to
        facts = ctx.facts.functions[frame.qualname]
        name = ctx.callee(node)
        found = blocking_entry(node, name, self.user)
        if found is not None:
            sites = ctx.sites
            if not frame.is_async and frame.qualname not in sites.with_blocking and not in_memory(node, found.callee, ctx):
                sites.with_blocking.add(frame.qualname)
                sites.blocking.append(FirstBlockingCall(node, facts, found.callee, found.code))
            return
        if name is None or name.startswith("builtins."):
            return
        facts.calls.append(name)
        ctx.sites.project_call = ProjectCall(node, name)

    def leave_Module(self, node: cst.Module, ctx: "Context") -> None:
        module = ctx.module_name
        for local, value in ctx.resolver.module_scope.names.items():
            own = f"{module}.{local}"
            if value is not None and value != own:
                ctx.facts.aliases[own] = value


def _decorator_name(expr: cst.BaseExpression, ctx: "Context") -> str:
    if isinstance(expr, cst.Call):
        return ctx.callee(expr) or "?"
    return ctx.value(expr) or "?"
