"""What each place binds, found as the walk reaches it.

Module and class bodies are scanned for their bindings before they are walked (a function
defined in them may run after any of them); a function's local names are known up front
(Python decides that at compile time), and their values are filled in as the walk passes
each binding statement, so a use sees the latest assignment before it.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Set

import libcst as cst
from libcst._nodes.base import CSTNode

from asynclint.engine.declared_types import declared_type
from asynclint.engine.place import Place, Scope
from asynclint.engine.resolver import OPAQUE, Resolver, local_names, small_statements

# Statements and expressions whose bindings a function scope records as the walk leaves them.
BINDING_NODES = frozenset({cst.Import, cst.ImportFrom, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr})


def bind_parameters(resolver: Resolver, params: cst.Parameters, scope: Scope, owner: Optional[str], node: CSTNode) -> None:
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
            value = declared_type(resolver, param.annotation.annotation)
        scope.bind(param.name.value, value)
    for star in (params.star_arg, params.star_kwarg):
        if star.__class__ is cst.Param:
            scope.bind(star.name.value, OPAQUE)


def prescan(resolver: Resolver, body: Sequence[CSTNode], place: Place, resolve: bool) -> None:
    """Find a place's bindings before walking it.

    Module and class scopes resolve values in source order, so functions see the final
    module-level binding (``import time`` then ``time = FakeTime()`` means FakeTime).
    Function scopes only learn which names are local; values are filled in as the walk
    passes each assignment, so a use sees the latest assignment before it.
    """
    scope = place.scope
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
            scope.bind(stmt.name.value, place.qualname_of(stmt.name.value))
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


def bind_in_function(resolver: Resolver, node: CSTNode, scope: Scope) -> None:
    """Update a function scope as the walk passes a binding statement."""
    if node.__class__ is cst.With:
        _bind_with(resolver, node, scope)
    elif node.__class__ is cst.For:
        resolver.bind_target(node.target, OPAQUE, scope)
    elif node.__class__ is cst.NamedExpr:
        resolver.bind_target(node.target, resolver.value(node.value), scope)
    else:
        resolver.bind_statement(node, scope)
