"""The single traversal every check shares.

The walker descends the tree itself instead of using LibCST's visitor machinery (about a
fifteenth of its cost on real code: it skips whitespace and punctuation nodes and never
rebuilds nodes). While walking it keeps the facts most checks need: the enclosing
function and whether it is ``async def``, which calls are directly awaited, how many
yield points the current function has passed, and what names refer to.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst._nodes.base import CSTNode

from asynclint.engine.contract import Check, Deferred, Fix, Report
from asynclint.engine.fact_collection import CallSites
from asynclint.project.facts import FileFacts
from asynclint.engine.resolver import OPAQUE, Resolver, Scope, local_names, small_statements
from asynclint.settings import Settings

_SKIP_FIELDS = frozenset(
    {
        "semicolon", "leading_lines", "header", "footer", "operator", "equal", "colon",
        "lbrace", "rbrace", "lbracket", "rbracket", "dot", "star", "newline",
        "trailing_whitespace", "first_line", "empty_lines", "indent", "asynchronous",
        "relative", "lines_after_decorators", "comma", "lpar", "rpar",
    }
)
# Children are walked in source order, so the n-th call the walk meets is the n-th call in
# the file (positions are then read from the ``ast`` tree, see locate.py). Dataclass field
# order differs from source order for these node types.
_FIELDS: Dict[type, Tuple[str, ...]] = {
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}

def _subclasses(cls: type) -> Set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


# CSTNode is an ABC, so isinstance() against it is slow; the walk tests set membership.
_NODE_CLASSES = frozenset(_subclasses(CSTNode))

# Nodes with no child nodes the walk would descend into.
_LEAVES = frozenset({cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis})

# Node types whose findings are located through ``ast``: the walk lists them in order.
RANKED: Dict[type, str] = {
    cst.Call: "call",
    cst.FunctionDef: "def",
    cst.For: "for",
    cst.While: "while",
    cst.ExceptHandler: "except",
    cst.ExceptStarHandler: "except",
    cst.WithItem: "withitem",
    cst.Assign: "assign",
}


def _child_fields(cls: type) -> Tuple[str, ...]:
    names = tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
    )
    _FIELDS[cls] = names
    return names


class Frame:
    """One function body (or the module): what checks ask about "where am I"."""

    __slots__ = ("node", "is_async", "qualname", "class_qualname", "yields", "has_yield", "parent")

    def __init__(
        self,
        node: CSTNode,
        is_async: bool,
        qualname: str,
        class_qualname: Optional[str],
        parent: Optional["Frame"],
    ) -> None:
        self.node = node
        self.is_async = is_async
        self.qualname = qualname
        self.class_qualname = class_qualname  # set for methods defined directly in a class
        self.yields = 0  # await / async for / async with / async comprehensions passed so far
        self.has_yield = False  # a generator (yield inside its own body)
        self.parent = parent


class Context:
    """Passed to every hook: the walk's state plus ``report``."""

    def __init__(self, module: cst.Module, module_name: str, resolver: Resolver, settings: Settings, enabled: Set[str]) -> None:
        self.module = module
        self.module_name = module_name
        self.resolver = resolver
        self.settings = settings
        self.enabled = enabled
        self.frame = Frame(module, False, module_name, None, None)
        self.classes: List[str] = []
        self.parents: List[CSTNode] = []
        self.awaited: Set[int] = set()
        self.reports: List[Report] = []
        self.deferred: List[Deferred] = []
        self.sites = CallSites()  # what fact collection learned about calls
        self.facts = FileFacts(module_name, "")
        # every node of the RANKED types, by kind, in source order
        self.seen: Dict[str, List[CSTNode]] = {kind: [] for kind in set(RANKED.values())}
        # name -> [(frame, the target Name node, callback)] for "assigned, never used again"
        self.watched: Dict[str, List[Tuple[Frame, CSTNode, Callable[[], None]]]] = {}

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
        scope: Optional[Scope] = self.resolver.scope
        while scope is not None and scope.qualname != owner:
            scope = scope.parent
        return scope is None or expr.attr.value not in scope.names

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
        if target.value in self.resolver.scope.globals:
            return  # a global or nonlocal outlives the function: others may use it
        self.watched.setdefault(target.value, []).append((self.frame, target, on_unused))


Hook = Callable[[CSTNode, Context], None]


class InternalError(Exception):
    """A check raised: carries the check's name and the node it was looking at."""

    def __init__(self, check: str, node: CSTNode, error: BaseException) -> None:
        super().__init__(f"{check}: {type(error).__name__}: {error}")
        self.check = check
        self.node = node
        self.error = error


class Walker:
    def __init__(self, checks: Sequence[Check], ctx: Context) -> None:
        self.ctx = ctx
        self.visit: Dict[type, List[Tuple[Check, Hook]]] = {}
        self.leave: Dict[type, List[Tuple[Check, Hook]]] = {}
        self.errors: List[InternalError] = []
        self.failed: Set[int] = set()
        for check in checks:
            for prefix, table in (("visit_", self.visit), ("leave_", self.leave)):
                for node_type, method in _hooks(type(check), prefix):
                    table.setdefault(node_type, []).append((check, getattr(check, method)))
        # Leaves no check looks at are not walked (a Name only matters to "never used again").
        self.leaves = frozenset(cls for cls in _LEAVES if cls not in self.visit and cls not in self.leave)
        busy = set(_SPECIAL) | set(RANKED) | _NOTED | _BINDING_NODES | set(self.visit) | set(self.leave)
        self.plain = _NODE_CLASSES - busy

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
        fields = only if only is not None else (_FIELDS.get(cls) or _child_fields(cls))
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
                    elif kind in _NODE_CLASSES:
                        walk(item)
            elif kind in leaves:
                if kind is cst.Name and self.ctx.watched:
                    walk(value)
            elif kind in _NODE_CLASSES:
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
                remaining = [w for w in watchers if w[1] is node]
                if remaining:
                    ctx.watched[node.value] = remaining
                else:
                    del ctx.watched[node.value]
        if cls is cst.With or cls is cst.For:
            # `as` names and loop targets are bound before the body runs.
            scope = ctx.resolver.scope
            if scope.kind == "function":
                _bind_in_function(ctx.resolver, node, scope)
        hooks = self.visit.get(cls)
        if hooks:
            self._run(hooks, node)

    def _leave(self, node: CSTNode, cls: type) -> None:
        hooks = self.leave.get(cls)
        if hooks:
            self._run(hooks, node)
        scope = self.ctx.resolver.scope
        if scope.kind == "function" and cls in _BINDING_NODES:
            _bind_in_function(self.ctx.resolver, node, scope)

    def _run(self, hooks: List[Tuple[Check, Hook]], node: CSTNode) -> None:
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

    # -- scopes and frames ---------------------------------------------------------------

    def _module(self, node: cst.Module) -> None:
        resolver = self.ctx.resolver
        _prescan(resolver, node.body, resolver.module_scope, resolve=True)
        self._enter(node, cst.Module)
        self._children(node, cst.Module, ("body",))
        self._leave_frame(node, cst.Module)

    def _function(self, node: cst.FunctionDef) -> None:
        ctx = self.ctx
        resolver = ctx.resolver
        # Decorators, defaults and annotations run in the enclosing scope.
        self._children(node, cst.FunctionDef, ("decorators", "type_parameters", "params", "returns"))
        outer = ctx.frame
        in_class = bool(ctx.classes) and resolver.scope.kind == "class"
        qualname = _qualname_in(resolver.scope, node.name.value)
        frame = Frame(node, node.asynchronous is not None, qualname, ctx.classes[-1] if in_class else None, outer)
        scope = resolver.push("function", qualname)
        _bind_parameters(resolver, node.params, scope, frame.class_qualname, node)
        _prescan(resolver, node.body.body if node.body.__class__ is cst.IndentedBlock else node.body.body, scope, resolve=False)
        self._walk_frame(node, cst.FunctionDef, frame, outer)
        if resolver.scope.kind == "function":
            resolver.scope.bind(node.name.value, qualname)

    def _lambda(self, node: cst.Lambda) -> None:
        ctx = self.ctx
        resolver = ctx.resolver
        self._children(node, cst.Lambda, ("params",))
        outer = ctx.frame
        frame = Frame(node, False, outer.qualname + ".<lambda>", None, outer)
        scope = resolver.push("function", frame.qualname)
        _bind_parameters(resolver, node.params, scope, None, node)
        self._walk_frame(node, cst.Lambda, frame, outer)

    def _walk_frame(self, node: CSTNode, cls: type, frame: Frame, outer: Frame) -> None:
        """The body of a function or lambda as its own frame, in the scope the caller pushed;
        the frame and scope are the outer ones again afterwards."""
        ctx = self.ctx
        ctx.frame = frame
        self._enter(node, cls)
        ctx.parents.append(node)
        self.walk(node.body)
        ctx.parents.pop()
        self._leave_frame(node, cls)
        ctx.resolver.pop()
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
                if watcher[0] is frame:
                    try:
                        watcher[2]()
                    except RecursionError:
                        raise
                    except Exception as error:
                        self.errors.append(InternalError("watch_unused", watcher[1], error))
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
        qualname = _qualname_in(resolver.scope, node.name.value)
        scope = resolver.push("class", qualname)
        _prescan(resolver, node.body.body, scope, resolve=True)
        ctx.classes.append(qualname)
        self._enter(node, cst.ClassDef)
        ctx.parents.append(node)
        self.walk(node.body)
        ctx.parents.pop()
        hooks = self.leave.get(cst.ClassDef)
        if hooks:
            self._run(hooks, node)
        ctx.classes.pop()
        resolver.pop()
        if resolver.scope.kind == "function":
            resolver.scope.bind(node.name.value, qualname)


# Node types _enter notes something about (yield points, generators, names in use, scopes).
_NOTED = frozenset({cst.Await, cst.For, cst.With, cst.CompFor, cst.Yield, cst.Name})

_BINDING_NODES = frozenset({cst.Import, cst.ImportFrom, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr})


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


def _qualname_in(scope: Scope, name: str) -> str:
    if scope.kind == "function":
        return f"{scope.qualname}.<locals>.{name}"
    return f"{scope.qualname}.{name}"


def _bind_parameters(resolver: Resolver, params: cst.Parameters, scope: Scope, owner: Optional[str], node: CSTNode) -> None:
    """Parameters are opaque, except an annotated type and ``self``/``cls`` of a method."""
    ordered = list(params.posonly_params) + list(params.params)
    first = ordered[0] if ordered else None
    is_static = node.__class__ is cst.FunctionDef and any(
        d.decorator.__class__ is cst.Name and d.decorator.value == "staticmethod" for d in node.decorators
    )
    for param in ordered + list(params.kwonly_params):
        value = OPAQUE
        if param is first and owner is not None and not is_static:
            value = owner
        elif param.annotation is not None:
            value = resolver.value(param.annotation.annotation)
        scope.bind(param.name.value, value)
    for star in (params.star_arg, params.star_kwarg):
        if star.__class__ is cst.Param:
            scope.bind(star.name.value, OPAQUE)


def _prescan(resolver: Resolver, body: Sequence[CSTNode], scope: Scope, resolve: bool) -> None:
    """Find a scope's bindings before walking it.

    Module and class scopes resolve values in source order, so functions see the final
    module-level binding (``import time`` then ``time = FakeTime()`` means FakeTime).
    Function scopes only learn which names are local; values are filled in as the walk
    passes each assignment, so a use sees the latest assignment before it.
    """
    fallbacks: Set[int] = set()  # statements in except handlers of module/class-level trys
    for stmt in small_statements(body):
        if id(stmt) in fallbacks:
            # ``try: import x`` / ``except ImportError: x = None``: the path without an
            # exception decides what ``x`` is; a name only a handler binds is unknown.
            for name in _names_bound_by(stmt):
                if scope.names.get(name) in (None, OPAQUE):
                    scope.bind(name, OPAQUE)
            continue
        if stmt.__class__ in (cst.Global, cst.Nonlocal):
            resolver.bind_statement(stmt, scope)
        elif stmt.__class__ in (cst.FunctionDef, cst.ClassDef):
            scope.bind(stmt.name.value, _qualname_in(scope, stmt.name.value))
        elif not resolve:
            for name in _names_bound_by(stmt):
                scope.bind(name, OPAQUE)
        elif stmt.__class__ is cst.With:
            _bind_with(resolver, stmt, scope)
        elif stmt.__class__ in (cst.Try, cst.TryStar):
            for name in local_names(stmt):
                scope.bind(name, OPAQUE)
            for handler in stmt.handlers:
                fallbacks.update(id(inner) for inner in small_statements(handler.body.body))
        elif stmt.__class__ is cst.For:
            for name in local_names(stmt):
                scope.bind(name, OPAQUE)
        else:
            resolver.bind_statement(stmt, scope)


def _names_bound_by(stmt: CSTNode) -> List[str]:
    names: List[str] = list(local_names(stmt))
    if stmt.__class__ is cst.Import:
        for alias in stmt.names:
            if alias.asname is not None and alias.asname.name.__class__ is cst.Name:
                names.append(alias.asname.name.value)
            else:
                names.append(cst.helpers.get_full_name_for_node(alias.name).split(".")[0])
    elif stmt.__class__ is cst.ImportFrom and stmt.names.__class__ is not cst.ImportStar:
        for alias in stmt.names:
            target = alias.asname.name if alias.asname is not None else alias.name
            if target.__class__ is cst.Name:
                names.append(target.value)
    elif stmt.__class__ is cst.Assign:
        for target in stmt.targets:
            names.extend(_plain_names(target.target))
    elif stmt.__class__ in (cst.AnnAssign, cst.AugAssign):
        names.extend(_plain_names(stmt.target))
    return names


def _plain_names(target: cst.BaseExpression) -> List[str]:
    if target.__class__ is cst.Name:
        return [target.value]
    if target.__class__ in (cst.Tuple, cst.List):
        out: List[str] = []
        for element in target.elements:
            out.extend(_plain_names(element.value))
        return out
    if target.__class__ is cst.StarredElement:
        return _plain_names(target.value)
    return []


def _bind_with(resolver: Resolver, stmt: cst.With, scope: Scope) -> None:
    for item in stmt.items:
        if item.asname is not None:
            resolver.bind_target(item.asname.name, resolver.value(item.item), scope)


def _bind_in_function(resolver: Resolver, node: CSTNode, scope: Scope) -> None:
    """Update a function scope as the walk passes a binding statement."""
    if node.__class__ is cst.With:
        _bind_with(resolver, node, scope)
    elif node.__class__ is cst.For:
        resolver.bind_target(node.target, OPAQUE, scope)
    elif node.__class__ is cst.NamedExpr:
        resolver.bind_target(node.target, resolver.value(node.value), scope)
    else:
        resolver.bind_statement(node, scope)
