"""What a name or dotted expression refers to, tracked by hand.

LibCST's QualifiedNameProvider costs several times the parse itself (README, Performance),
so the engine keeps its own small scope tables: imports, definitions and assignments whose
value is a call or reference to something nameable. A value is represented by the
qualified name of what produced it: ``requests.Session()`` and ``requests.Session`` both
resolve to ``"requests.Session"``, so ``session.get`` resolves to ``"requests.Session.get"``.
An opaque local (a parameter, a loop variable, anything computed) resolves to ``None``.
"""
from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Optional, Sequence

import libcst as cst

from asynclint.apis.blocking_calls import DIVISION_PRESERVES, RETURNS, UNBOUNDED_WITHOUT
from asynclint.engine.declared_types import annotated_value
from asynclint.engine.node_types import concrete_subclasses
from asynclint.engine.place import CLASS, FUNCTION, MODULE, Place, Scope
from asynclint.project.facts import SUPER

OPAQUE = None


class Resolver:
    """Resolves expressions in the place the walk is in (``place``) of one module."""

    def __init__(self, module_name: str, is_package: bool) -> None:
        self.module_name = module_name
        self.is_package = is_package
        self.module_place = Place(None, MODULE, module_name, None)
        self.module_scope = self.module_place.scope
        self.place = self.module_place
        self.memo = self.module_scope.memo
        self.star_import = False
        # "pkg.mod.Class.attr" -> value, from `self.attr = ...` inside methods.
        self.attributes: Dict[str, Optional[str]] = {}
        # String annotations' text -> parsed expression, kept alive for the memo's sake.
        self.parsed_annotations: Dict[str, Optional[cst.BaseExpression]] = {}

    # -- where names are looked up -----------------------------------------------------

    def enter(self, place: Place) -> None:
        """Names now resolve in ``place``; answers kept for the previous place are stale."""
        self.place = place
        self.memo.clear()

    def leave(self) -> None:
        """Back to the enclosing place, whose answers may differ too."""
        assert self.place.parent is not None
        self.place = self.place.parent
        self.memo.clear()

    def lookup(self, name: str) -> Optional[str]:
        place: Optional[Place] = self.place
        first = True
        while place is not None:
            scope = place.scope
            if name in scope.globals:
                place = self.module_place
                first = False
                continue
            if (first or place.kind != CLASS) and name in scope.names:
                return scope.names[name]
            first = False
            place = place.parent
        if self.star_import:
            return OPAQUE
        return "builtins." + name

    # -- expressions -------------------------------------------------------------------

    def callee(self, func: cst.BaseExpression) -> Optional[str]:
        """The qualified name of what a call's ``func`` expression calls."""
        if func.__class__ is cst.Name:
            return self.lookup(func.value)
        if func.__class__ is cst.Attribute:
            base = self.value(func.value)
            if base is None:
                return None
            return base + "." + func.attr.value
        return self.value(func)

    def value(self, expr: cst.BaseExpression) -> Optional[str]:
        """The qualified name of the type or object an expression evaluates to.

        Every call in a chain of 3,000 ``.m()`` calls resolves the chain below it: answers
        are kept until the next binding changes what a name means, so that costs linear time.
        """
        cls = expr.__class__
        if cls is cst.Name:
            return self.lookup(expr.value)
        if cls is not cst.Attribute and cls is not cst.Call:
            return self._value(expr)
        memo = self.memo
        key = id(expr)
        if key in memo:
            return memo[key]
        found = memo[key] = self._value(expr)
        return found

    def value_in(self, place: Place, expr: cst.BaseExpression) -> Optional[str]:
        """``expr`` as ``place`` sees it: a class's bases are evaluated outside its body."""
        current, self.place = self.place, place
        try:
            return self.value(expr)
        finally:
            self.place = current

    def _value(self, expr: cst.BaseExpression) -> Optional[str]:
        if expr.__class__ is cst.Attribute:
            base = self.value(expr.value)
            if base is None:
                return None
            full = base + "." + expr.attr.value
            if full in self.attributes:
                return self.attributes[full]
            return RETURNS.get(full, full)
        if expr.__class__ is cst.Call:
            name = self.callee(expr.func)
            if name == "builtins.super":
                return self._super(expr)
            if name in UNBOUNDED_WITHOUT and _unbounded(expr, *UNBOUNDED_WITHOUT[name]):
                return f"{name}({UNBOUNDED_WITHOUT[name][0]}=0)"
            return None if name is None else RETURNS.get(name, name)
        if expr.__class__ is cst.Await:
            return None
        if expr.__class__ is cst.BinaryOperation and expr.operator.__class__ is cst.Divide:
            left = self.value(expr.left)
            return left if left in DIVISION_PRESERVES else None
        return None

    def _super(self, call: cst.Call) -> Optional[str]:
        """``super()`` in a method, or ``super(Class, obj)``: the class whose bases are searched,
        marked so the index skips the class's own definition (``pkg.mod.Class.<super>``)."""
        if call.args:
            if len(call.args) != 2 or any(arg.keyword is not None or arg.star for arg in call.args):
                return None
            owner = self.value(call.args[0].value)
        else:
            owner = self._enclosing_class()
        return None if owner is None else f"{owner}{SUPER}"

    def _enclosing_class(self) -> Optional[str]:
        place: Optional[Place] = self.place
        while place is not None and place.kind == FUNCTION:
            if place.parent is not None and place.parent.kind == CLASS:
                return place.parent.qualname
            place = place.parent
        return None

    # -- bindings ----------------------------------------------------------------------

    def absolute_module(self, node: cst.ImportFrom) -> Optional[str]:
        """The module a ``from ... import`` names, resolving relative levels."""
        relative = len(node.relative)
        module = dotted(node.module) if node.module is not None else ""
        if module is None:
            return None
        if not relative:
            return module
        parts = self.module_name.split(".")
        if not self.is_package:
            parts = parts[:-1]
        if relative - 1 > len(parts):
            return None
        base = parts[: len(parts) - (relative - 1)]
        if module:
            base.append(module)
        return ".".join(base) if base else None

    def bind_import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None:
                target = alias.asname.name
                if target.__class__ is cst.Name:
                    scope.bind(target.value, full)
            else:
                top = full.split(".", 1)[0]
                scope.bind(top, top)

    def bind_import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        module = self.absolute_module(node)
        if node.names.__class__ is cst.ImportStar:
            if scope is self.module_scope:
                self.star_import = True
                scope.memo.clear()
            return
        for alias in node.names:
            name = alias.name
            if name.__class__ is not cst.Name:
                continue
            local = name.value
            if alias.asname is not None and alias.asname.name.__class__ is cst.Name:
                local = alias.asname.name.value
            scope.bind(local, None if module is None else module + "." + name.value)

    def bind_target(self, target: cst.BaseExpression, value: Optional[str], scope: Scope) -> None:
        """Bind an assignment target; attributes of ``self`` are recorded per class."""
        if target.__class__ is cst.Name:
            scope.bind(target.value, value)
        elif target.__class__ in (cst.Tuple, cst.List):
            for element in target.elements:
                inner = element.value
                if inner.__class__ is cst.StarredElement:
                    inner = inner.value
                self.bind_target(inner, OPAQUE, scope)
        elif target.__class__ is cst.StarredElement:
            self.bind_target(target.value, OPAQUE, scope)
        elif target.__class__ is cst.Attribute and target.value.__class__ is cst.Name:
            owner = self.lookup(target.value.value)
            if owner is not None and owner.startswith(self.module_name + "."):
                key = owner + "." + target.attr.value
                if key in self.attributes and self.attributes[key] != value:
                    self.attributes[key] = OPAQUE  # assigned different things: unknown
                else:
                    self.attributes[key] = value
                scope.memo.clear()

    def _unpacked(self, value: cst.BaseExpression) -> Optional[List[Optional[str]]]:
        """What each element of a literal tuple or list is (``Path(a), Path(b)``), all
        resolved before any name is bound, as Python evaluates the right side first."""
        if value.__class__ not in (cst.Tuple, cst.List):
            return None
        if any(element.__class__ is cst.StarredElement for element in value.elements):
            return None
        return [self.value(element.value) for element in value.elements]

    def bind_statement(self, stmt: cst.CSTNode, scope: Scope) -> None:
        """Record the bindings one small statement makes."""
        if stmt.__class__ is cst.Import:
            self.bind_import(stmt, scope)
        elif stmt.__class__ is cst.ImportFrom:
            self.bind_import_from(stmt, scope)
        elif stmt.__class__ is cst.Assign:
            values = self._unpacked(stmt.value)
            value = self.value(stmt.value) if values is None else OPAQUE
            for target in stmt.targets:
                if values is not None and _unpacks(target.target, len(values)):
                    for element, each in zip(target.target.elements, values):
                        self.bind_target(element.value, each, scope)
                else:
                    self.bind_target(target.target, value, scope)
        elif stmt.__class__ is cst.AnnAssign:
            self.bind_target(stmt.target, annotated_value(self, stmt.annotation.annotation, stmt.value), scope)
        elif stmt.__class__ is cst.AugAssign:
            self.bind_target(stmt.target, OPAQUE, scope)
        elif stmt.__class__ is cst.Global:
            for item in stmt.names:
                scope.globals.add(item.name.value)
                scope.names.pop(item.name.value, None)
            scope.memo.clear()
        elif stmt.__class__ is cst.Nonlocal:
            for item in stmt.names:
                scope.globals.add(item.name.value)  # bound in an enclosing function, not here
                scope.names.pop(item.name.value, None)
            scope.memo.clear()


def _unpacks(target: cst.BaseExpression, count: int) -> bool:
    """``a, b = ...`` with exactly ``count`` plain targets and no starred one."""
    return (
        target.__class__ in (cst.Tuple, cst.List)
        and len(target.elements) == count
        and not any(element.__class__ is cst.StarredElement for element in target.elements)
    )


def argument(call: cst.Call, keyword: str, position: int) -> Optional[cst.BaseExpression]:
    """The value passed for a parameter, by keyword or position; ``call`` itself when a ``*args``
    or ``**kwargs`` before it hides which one it is, None when it is left out."""
    for index, arg in enumerate(call.args):
        if arg.star:
            return call
        if (arg.keyword.value if arg.keyword is not None else index) in (keyword, position):
            return arg.value
    return None


def _unbounded(call: cst.Call, keyword: str, position: int) -> bool:
    """Whether the size argument is left out or a literal 0 or less (``queue.Queue()``, ``Queue(0)``,
    ``Queue(maxsize=-1)``): then put() never waits. Anything else may bound the queue."""
    size = argument(call, keyword, position)
    if size is None:
        return True
    value = size.expression if size.__class__ is cst.UnaryOperation and size.operator.__class__ is cst.Minus else size
    return value.__class__ is cst.Integer and (value.value.strip("0") == "" or value is not size)


def dotted(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """``a.b.c`` as a string, or None if the expression is not a plain dotted name."""
    parts = []
    while node.__class__ is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if node.__class__ is not cst.Name:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


# Compared by class in the pre-scans (see node_types.concrete_subclasses).
_COMPOUND = concrete_subclasses(cst.BaseCompoundStatement)


def small_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every small statement and nested def/class header in a block, not entering defs.

    Used for the cheap pre-scans that find a scope's bindings before its body is walked.
    """
    for stmt in body:
        if stmt.__class__ is cst.SimpleStatementLine:
            yield from stmt.body
        elif stmt.__class__ in (cst.FunctionDef, cst.ClassDef):
            yield stmt
        elif stmt.__class__ in _COMPOUND:
            yield stmt
            if stmt.__class__ is not cst.Match:
                yield from small_statements(_inner_body(stmt.body))
            for block in _extra_blocks(stmt):
                yield from small_statements(_inner_body(block))


def _inner_body(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return suite.body if suite.__class__ in (cst.IndentedBlock, cst.SimpleStatementSuite) else ()


def _extra_blocks(stmt: cst.BaseCompoundStatement) -> Iterable[cst.BaseSuite]:
    if stmt.__class__ is cst.If:
        orelse = stmt.orelse
        while orelse is not None:
            yield orelse.body
            orelse = orelse.orelse if orelse.__class__ is cst.If else None
    elif stmt.__class__ in (cst.For, cst.While):
        if stmt.orelse is not None:
            yield stmt.orelse.body
    elif stmt.__class__ in (cst.Try, cst.TryStar):
        for handler in stmt.handlers:
            yield handler.body
        if stmt.orelse is not None:
            yield stmt.orelse.body
        if stmt.finalbody is not None:
            yield stmt.finalbody.body
    elif stmt.__class__ is cst.Match:
        for case in stmt.cases:
            yield case.body


def local_names(stmt: cst.CSTNode) -> Iterator[str]:
    """Names a compound statement header binds (loop targets, ``as`` names, defs)."""
    if stmt.__class__ in (cst.FunctionDef, cst.ClassDef):
        yield stmt.name.value
    elif stmt.__class__ is cst.For:
        yield from _target_names(stmt.target)
    elif stmt.__class__ is cst.With:
        for item in stmt.items:
            if item.asname is not None:
                yield from _target_names(item.asname.name)
    elif stmt.__class__ in (cst.Try, cst.TryStar):
        for handler in stmt.handlers:
            if handler.name is not None and handler.name.name.__class__ is cst.Name:
                yield handler.name.name.value


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if target.__class__ is cst.Name:
        yield target.value
    elif target.__class__ in (cst.Tuple, cst.List):
        for element in target.elements:
            yield from _target_names(element.value)
    elif target.__class__ is cst.StarredElement:
        yield from _target_names(target.value)
