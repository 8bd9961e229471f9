"""The single traversal every check shares.

The walker descends the tree itself instead of using LibCST's visitor machinery (about a
fifteenth of its cost on real code: it skips whitespace and punctuation nodes and never
rebuilds nodes). While walking it keeps the facts most checks need: the place it is in
(module, class, function, lambda: see place.py) and whether that is ``async def``, which
calls are directly awaited, how many yield points the current function has passed, and
what names refer to (bindings.py, resolver.py).
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst._nodes.base import CSTNode

from asynclint.engine.bindings import BINDING_NODES, bind_in_function, bind_parameters, prescan
from asynclint.engine.context import Context, Frame  # checks import them from here
from asynclint.engine.contract import Check
from asynclint.engine.node_types import FIELDS, LEAVES, NODE_CLASSES, RANKED, child_fields
from asynclint.engine.place import CLASS, FUNCTION, Place

Hook = Callable[[CSTNode, Context], None]


class InternalError(Exception):
    """A check raised: carries the check's name and the node it was looking at."""

    def __init__(self, check: str, node: CSTNode, error: BaseException) -> None:
        super().__init__(f"{check}: {type(error).__name__}: {error}")
        self.check = check
        self.node = node
        self.error = error


class CheckHook(NamedTuple):
    """One check's method for one node type."""

    check: Check
    hook: Hook


class Walker:
    def __init__(self, checks: Sequence[Check], ctx: Context) -> None:
        self.ctx = ctx
        self.visit: Dict[type, List[CheckHook]] = {}
        self.leave: Dict[type, List[CheckHook]] = {}
        self.errors: List[InternalError] = []
        self.failed: Set[int] = set()
        for check in checks:
            for prefix, table in (("visit_", self.visit), ("leave_", self.leave)):
                for node_type, method in _hooks(type(check), prefix):
                    table.setdefault(node_type, []).append(CheckHook(check, getattr(check, method)))
        # Leaves no check looks at are not walked (a Name only matters to "never used again").
        self.leaves = frozenset(cls for cls in LEAVES if cls not in self.visit and cls not in self.leave)
        busy = set(_SPECIAL) | set(RANKED) | _NOTED | BINDING_NODES | set(self.visit) | set(self.leave)
        self.plain = NODE_CLASSES - busy

    # -- generic walk --------------------------------------------------------------------

    def walk(self, node: CSTNode) -> None:
        cls = node.__class__
        if cls in self.plain:  # most nodes: nothing to note, no hooks, only children
            parents = self.ctx.parents
            parents.append(node)
            self._children(node, cls)
            parents.pop()
            return
        special = _SPECIAL.get(cls)
        if special is not None:
            special(self, node)
            return
        self._enter(node, cls)
        self.ctx.parents.append(node)
        self._children(node, cls)
        self.ctx.parents.pop()
        self._leave(node, cls)

    def _children(self, node: CSTNode, cls: type, only: Optional[Sequence[str]] = None) -> None:
        fields = only if only is not None else (FIELDS.get(cls) or child_fields(cls))
        walk = self.walk
        leaves = self.leaves
        for name in fields:
            value = getattr(node, name)
            kind = value.__class__
            if kind is tuple or kind is list:
                for item in value:
                    kind = item.__class__
                    if kind in leaves:
                        if kind is cst.Name and self.ctx.watched:
                            walk(item)
                    elif kind in NODE_CLASSES:
                        walk(item)
            elif kind in leaves:
                if kind is cst.Name and self.ctx.watched:
                    walk(value)
            elif kind in NODE_CLASSES:
                walk(value)

    def _enter(self, node: CSTNode, cls: type) -> None:
        ctx = self.ctx
        kind = RANKED.get(cls)
        if kind is not None:
            ctx.seen[kind].append(node)
        if cls is cst.Await:
            ctx.awaited.add(id(node.expression))
            ctx.frame.yields += 1
        elif cls is cst.For or cls is cst.With:
            if node.asynchronous is not None:
                ctx.frame.yields += 1
        elif cls is cst.CompFor:
            if node.asynchronous is not None:
                ctx.frame.yields += 1
        elif cls is cst.Yield:
            frame = ctx.frame
            frame.has_yield = True
            if frame.is_async:  # an async generator's yield hands control to its consumer
                frame.yields += 1
        elif cls is cst.Name and ctx.watched:
            watchers = ctx.watched.get(node.value)
            if watchers:
                remaining = [w for w in watchers if w.target is node]
                if remaining:
                    ctx.watched[node.value] = remaining
                else:
                    del ctx.watched[node.value]
        if cls is cst.With or cls is cst.For:
            # `as` names and loop targets are bound before the body runs.
            place = ctx.resolver.place
            if place.kind == FUNCTION:
                bind_in_function(ctx.resolver, node, place.scope)
        hooks = self.visit.get(cls)
        if hooks:
            self._run(hooks, node)

    def _leave(self, node: CSTNode, cls: type) -> None:
        hooks = self.leave.get(cls)
        if hooks:
            self._run(hooks, node)
        if cls in BINDING_NODES:
            place = self.ctx.resolver.place
            if place.kind == FUNCTION:
                bind_in_function(self.ctx.resolver, node, place.scope)

    def _run(self, hooks: List[CheckHook], node: CSTNode) -> None:
        for check, hook in hooks:
            if id(check) in self.failed:
                continue
            try:
                hook(node, self.ctx)
            except (RecursionError, MemoryError):
                raise
            except Exception as error:  # a bug in one check must not stop the others
                self.failed.add(id(check))
                self.errors.append(InternalError(type(check).__name__, node, error))

    # -- places ---------------------------------------------------------------------------

    def _module(self, node: cst.Module) -> None:
        resolver = self.ctx.resolver
        prescan(resolver, node.body, resolver.module_place, resolve=True)
        self._enter(node, cst.Module)
        self._children(node, cst.Module, ("body",))
        self._leave_frame(node, cst.Module)

    def _function(self, node: cst.FunctionDef) -> None:
        # Decorators, defaults and annotations run in the enclosing place.
        here, frame = self._open(node, cst.FunctionDef, ("decorators", "type_parameters", "params", "returns"), FUNCTION)
        resolver = self.ctx.resolver
        bind_parameters(resolver, node.params, frame.scope, frame.class_qualname, node)
        prescan(resolver, node.body.body, frame, resolve=False)
        self._walk_frame(node, cst.FunctionDef, frame)
        _bind_in_function(here, node, frame)

    def _open(self, node: Named, cls: type, outside: Tuple[str, ...], kind: str) -> Tuple[Place, Place]:
        """Walk the parts of a def or class that run where it is defined, then enter its own
        place; returns the enclosing place and the new one."""
        self._children(node, cls, outside)
        resolver = self.ctx.resolver
        here = resolver.place
        is_def = kind == FUNCTION
        owner = here.qualname if is_def and here.kind == CLASS else None
        place = Place(node, kind, here.qualname_of(node.name.value), here, is_def and node.asynchronous is not None, owner)
        resolver.enter(place)
        return here, place

    def _lambda(self, node: cst.Lambda) -> None:
        ctx = self.ctx
        resolver = ctx.resolver
        self._children(node, cst.Lambda, ("params",))
        frame = Place(node, FUNCTION, ctx.frame.qualname + ".<lambda>", resolver.place)
        resolver.enter(frame)
        bind_parameters(resolver, node.params, frame.scope, None, node)
        self._walk_frame(node, cst.Lambda, frame)

    def _walk_frame(self, node: CSTNode, cls: type, frame: Place) -> None:
        """The body of a function or lambda as its own frame, in the place the caller
        entered; the frame and place are the outer ones again afterwards."""
        ctx = self.ctx
        outer = ctx.frame
        ctx.frame = frame
        self._enter(node, cls)
        ctx.parents.append(node)
        self.walk(node.body)
        ctx.parents.pop()
        self._leave_frame(node, cls)
        ctx.resolver.leave()
        ctx.frame = outer

    def _leave_frame(self, node: CSTNode, cls: type) -> None:
        ctx = self.ctx
        if ctx.watched:
            self._flush_unused(ctx.frame)
        hooks = self.leave.get(cls)
        if hooks:
            self._run(hooks, node)

    def _flush_unused(self, frame: Frame) -> None:
        ctx = self.ctx
        for name in list(ctx.watched):
            keep = []
            for watcher in ctx.watched[name]:
                if watcher.frame is frame:
                    try:
                        watcher.on_unused()
                    except RecursionError:
                        raise
                    except Exception as error:
                        self.errors.append(InternalError("watch_unused", watcher.target, error))
                else:
                    keep.append(watcher)
            if keep:
                ctx.watched[name] = keep
            else:
                del ctx.watched[name]

    def _generator(self, node: cst.GeneratorExp) -> None:
        """A generator expression's body runs where it is consumed (an ``async for`` over it,
        which counts there), not here, so its awaits are not this frame's yield points.
        Only its first iterable is evaluated at once, in this frame. (A list, set or dict
        comprehension runs here in full: its awaits count.)"""
        ctx = self.ctx
        frame = ctx.frame
        before = frame.yields
        self._enter(node, cst.GeneratorExp)
        ctx.parents.append(node)
        self._children(node, cst.GeneratorExp, ("elt",))
        first = node.for_in
        self._enter(first, cst.CompFor)
        ctx.parents.append(first)
        self._children(first, cst.CompFor, ("target",))
        eager = frame.yields
        self._children(first, cst.CompFor, ("iter",))
        eager = frame.yields - eager
        self._children(first, cst.CompFor, ("ifs", "inner_for_in"))
        ctx.parents.pop()
        self._leave(first, cst.CompFor)
        ctx.parents.pop()
        frame.yields = before + eager
        self._leave(node, cst.GeneratorExp)

    def _class(self, node: cst.ClassDef) -> None:
        ctx = self.ctx
        here, place = self._open(node, cst.ClassDef, ("decorators", "type_parameters", "bases", "keywords"), CLASS)
        prescan(ctx.resolver, node.body.body, place, resolve=True)
        self._enter(node, cst.ClassDef)
        ctx.parents.append(node)
        self.walk(node.body)
        ctx.parents.pop()
        hooks = self.leave.get(cst.ClassDef)
        if hooks:
            self._run(hooks, node)
        ctx.resolver.leave()
        _bind_in_function(here, node, place)


Named = Union[cst.FunctionDef, cst.ClassDef]


def _bind_in_function(here: Place, node: Named, place: Place) -> None:
    """A def or class inside a function binds its name there once defined (module and class
    places were prescanned with their final bindings)."""
    if here.kind == FUNCTION:
        here.scope.bind(node.name.value, place.qualname)


# Node types _enter notes something about (yield points, generators, names in use, scopes).
_NOTED = frozenset({cst.Await, cst.For, cst.With, cst.CompFor, cst.Yield, cst.Name})

# Nodes that open a place, or whose yield points are not the frame's, walked by their own
# method. A class-level table (not bound methods kept on the walker) so that a walker and
# the tree it holds are freed by reference counting as soon as a file is done, not left to
# the cycle collector.
_SPECIAL: Dict[type, Callable[[Walker, CSTNode], None]] = {
    cst.Module: Walker._module,  # type: ignore[dict-item]
    cst.FunctionDef: Walker._function,  # type: ignore[dict-item]
    cst.Lambda: Walker._lambda,  # type: ignore[dict-item]
    cst.ClassDef: Walker._class,  # type: ignore[dict-item]
    cst.GeneratorExp: Walker._generator,  # type: ignore[dict-item]
}


def _hooks(cls: type, prefix: str) -> List[Tuple[type, str]]:
    cache = _HOOK_CACHE.setdefault(prefix, {})
    if cls not in cache:
        found = []
        for attr in dir(cls):
            if attr.startswith(prefix):
                node_type = getattr(cst, attr[len(prefix):], None)
                if isinstance(node_type, type):
                    found.append((node_type, attr))
        cache[cls] = found
    return cache[cls]


_HOOK_CACHE: Dict[str, Dict[type, List[Tuple[type, str]]]] = {}
