"""LibCST's node types as the walk sees them: which are nodes at all, which have no
children worth walking, which fields hold children and in what order they appear in the
source, and which types are ranked for locating findings through ``ast``.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, FrozenSet, Set, Tuple

import libcst as cst
from libcst._nodes.base import CSTNode

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
FIELDS: Dict[type, Tuple[str, ...]] = {
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}


def concrete_subclasses(cls: type) -> FrozenSet[type]:
    """Every class below ``cls``: LibCST's node classes are ABCs, so isinstance() against
    them costs an ABC check on every miss; hot paths compare classes instead."""
    found: Set[type] = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= concrete_subclasses(sub)
    return frozenset(found)


# CSTNode is an ABC, so isinstance() against it is slow; the walk tests set membership.
NODE_CLASSES = concrete_subclasses(CSTNode)

# Nodes with no child nodes the walk would descend into.
LEAVES = frozenset({cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis})

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


def child_fields(cls: type) -> Tuple[str, ...]:
    """The fields of ``cls`` that hold child nodes worth walking, in source order (cached)."""
    names = tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
    )
    FIELDS[cls] = names
    return names
