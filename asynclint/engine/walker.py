"""The single traversal every check shares.

The walker descends the tree itself instead of using LibCST's visitor machinery (about a
fifteenth of its cost on real code: it skips whitespace and punctuation nodes and never
rebuilds nodes). While walking it keeps the facts most checks need: the place it is in
(module, class, function, lambda: see place.py) and whether that is ``async def``, which
calls are directly awaited, how many yield points the current function has passed, and
what names refer to (bindings.py, resolver.py).
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst._nodes.base import CSTNode

from asynclint.engine.bindings import BINDING_NODES, bind_in_function, bind_parameters, prescan
from asynclint.engine.contract import Check, Deferred, Fix, Report
from asynclint.engine.node_types import FIELDS, LEAVES, NODE_CLASSES, RANKED, child_fields
from asynclint.engine.place import CLASS, FUNCTION, Place
from asynclint.project.facts import FileFacts
from asynclint.engine.resolver import Resolver

Frame = Place  # what ``Context.frame`` holds: the place of a function, a lambda or the module


class Watcher(NamedTuple):
    """An assignment ``watch_unused`` waits on: reported when ``frame`` ends, unless
    ``target``'s name is mentioned again before that."""

    frame: Place
    target: CSTNode
    on_unused: Callable[[], None]


class Context:
    """Passed to every hook: the walk's state plus ``report``.

    Where the walk is has one model, the ``Place`` chain: ``place`` is the innermost
    module, class, function or lambda (its scope is what names resolve in) and ``frame``
    the innermost one that runs code of its own (not a class body), whose yield points
    checks count. ``parents`` is separate because it is another thing: the syntax path
    from the module to the node being visited, every node on it, not only those that open
    a scope.
    """

    def __init__(self, module: cst.Module, module_name: str, resolver: Resolver, settings: object, enabled: Set[str]) -> None:
        self.module = module
        self.module_name = module_name
        self.resolver = resolver
        self.settings = settings
        self.enabled = enabled
        resolver.module_place.node = module
        self.frame: Place = resolver.module_place
        self.parents: List[CSTNode] = []
        self.awaited: Set[int] = set()
        self.reports: List[Report] = []
        self.deferred: List[Deferred] = []
        # (call node, function facts, callee, code): first blocking call of each sync function
        self.sites: List[Tuple[CSTNode, object, str, str]] = []
        self.facts = FileFacts(module_name, "")
        # every node of the RANKED types, by kind, in source order
        self.seen: Dict[str, List[CSTNode]] = {kind: [] for kind in set(RANKED.values())}
        # name -> its assignments waiting on "assigned, never used again"
        self.watched: Dict[str, List[Watcher]] = {}

    @property
    def place(self) -> Place:
        """The innermost module, class, function or lambda the walk is in."""
        return self.resolver.place

    @property
    def in_async(self) -> bool:
        """True in the own body of an ``async def`` (not in nested defs or lambdas)."""
        return self.frame.is_async

    @property
    def parent(self) -> Optional[CSTNode]:
        return self.parents[-1] if self.parents else None

    def is_awaited(self, node: CSTNode) -> bool:
        return id(node) in self.awaited

    def callee(self, call: cst.Call) -> Optional[str]:
        return self.resolver.callee(call.func)

    def value(self, expr: cst.BaseExpression) -> Optional[str]:
        return self.resolver.value(expr)

    def unknown_attribute(self, expr: cst.BaseExpression) -> bool:
        """``self.loop`` where the class never assigns ``loop``: its type is unknown, not a
        project name, so heuristics on the attribute's name may apply."""
        owner = self.frame.class_qualname
        if owner is None or expr.__class__ is not cst.Attribute or self.value(expr.value) != owner:
            return False
        full = f"{owner}.{expr.attr.value}"
        if full in self.resolver.attributes:
            return False
        place: Optional[Place] = self.resolver.place
        while place is not None and place.qualname != owner:
            place = place.parent
        return place is None or expr.attr.value not in place.scope.names

    def report(self, node: CSTNode, code: str, message: str, fix: Optional[Fix] = None) -> None:
        if code in self.enabled:
            self.reports.append(Report(node, code, message, fix))

    def defer(self, node: CSTNode, code: str, callee: str, fix: Optional[Fix] = None, iterated: bool = False) -> None:
        """A finding that depends on the project index (is ``callee`` a coroutine? does it block?)."""
        if code in self.enabled:
            self.deferred.append(Deferred(node, code, callee, self.frame.qualname, fix, iterated))

    def watch_unused(self, target: cst.Name, on_unused: Callable[[], None]) -> None:
        """Call ``on_unused`` when the current function ends if ``target`` is never read again.

        Any later mention of the name counts as a use (conservative: a rebinding, a
        ``del``, a closure reading it), so only the plain "assigned and forgotten" case fires.
        """
        if target.value in self.resolver.place.scope.globals:
            return  # a global or nonlocal outlives the function: others may use it
        self.watched.setdefault(target.value, []).append(Watcher(self.frame, target, on_unused))


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
        ctx = self.ctx
        resolver = ctx.resolver
        # Decorators, defaults and annotations run in the enclosing scope.
        self._children(node, cst.FunctionDef, ("decorators", "type_parameters", "params", "returns"))
        here = resolver.place
        owner = here.qualname if here.kind == CLASS else None
        frame = Place(node, FUNCTION, here.qualname_of(node.name.value), here, node.asynchronous is not None, owner)
        resolver.enter(frame)
        bind_parameters(resolver, node.params, frame.scope, owner, node)
        prescan(resolver, node.body.body, frame, resolve=False)
        self._walk_frame(node, cst.FunctionDef, frame)
        if here.kind == FUNCTION:
            here.scope.bind(node.name.value, frame.qualname)

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

    def _class(self, node: cst.ClassDef) -> None:
        ctx = self.ctx
        resolver = ctx.resolver
        self._children(node, cst.ClassDef, ("decorators", "type_parameters", "bases", "keywords"))
        here = resolver.place
        place = Place(node, CLASS, here.qualname_of(node.name.value), here)
        resolver.enter(place)
        prescan(resolver, node.body.body, place, resolve=True)
        self._enter(node, cst.ClassDef)
        ctx.parents.append(node)
        self.walk(node.body)
        ctx.parents.pop()
        hooks = self.leave.get(cst.ClassDef)
        if hooks:
            self._run(hooks, node)
        resolver.leave()
        if here.kind == FUNCTION:
            here.scope.bind(node.name.value, place.qualname)


# Node types _enter notes something about (yield points, generators, names in use, scopes).
_NOTED = frozenset({cst.Await, cst.For, cst.With, cst.CompFor, cst.Yield, cst.Name})

# Nodes that open a scope or a frame, walked by their own method. A class-level table (not
# bound methods kept on the walker) so that a walker and the tree it holds are freed by
# reference counting as soon as a file is done, not left to the cycle collector.
_SPECIAL: Dict[type, Callable[[Walker, CSTNode], None]] = {
    cst.Module: Walker._module,  # type: ignore[dict-item]
    cst.FunctionDef: Walker._function,  # type: ignore[dict-item]
    cst.Lambda: Walker._lambda,  # type: ignore[dict-item]
    cst.ClassDef: Walker._class,  # type: ignore[dict-item]
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
