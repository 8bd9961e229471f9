"""The type an annotation declares, read in the same walk as everything else.

A parameter or variable annotated ``Optional[httpx.Client]`` holds an ``httpx.Client`` whenever
a method is called on it, so the wrappers that only say "or None" (``Optional``, a ``Union`` or
``|`` with one other member), ``Annotated`` and string (forward-reference) annotations are
unwrapped to the one type inside. Anything else a type checker would need (a union of two
real types, a ``TypeVar``, a protocol) is unknown, as an unannotated name is.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import libcst as cst

from asynclint.apis.blocking_calls import DECLARED_AS, RETURNS
from asynclint.apis.typing_api import ANNOTATED, NO_TYPE, NONE, OPTIONAL, UNION

if TYPE_CHECKING:
    from asynclint.engine.resolver import Resolver

# String annotations inside string annotations ('"Client"') are unwrapped this many times.
_STRING_DEPTH = 3
# A string annotation is parsed only up to this size and bracket count: its text escapes
# the complexity checks the file passed (asynclint/engine/complexity.py).
_STRING_LIMIT = 500
_BRACKET_LIMIT = 20


def declared_type(resolver: "Resolver", annotation: cst.BaseExpression, depth: int = 0) -> Optional[str]:
    """The qualified name of what a value annotated ``annotation`` is, or None if unknown.

    Names are resolved through imports where the annotation is, so ``from typing import
    Optional as O`` and ``import typing as t`` work; a generic (``IO[str]``) is its class.
    """
    cls = annotation.__class__
    if cls in (cst.SimpleString, cst.ConcatenatedString):
        inner = _parsed_string(resolver, annotation) if depth < _STRING_DEPTH else None
        return None if inner is None else declared_type(resolver, inner, depth + 1)
    if cls is cst.BinaryOperation and annotation.operator.__class__ is cst.BitOr:
        only = _only_member(resolver, _union_members(annotation))
        return None if only is None else declared_type(resolver, only, depth)
    if cls is cst.Subscript:
        return _subscripted(resolver, annotation, depth)
    found = resolver.value(annotation)
    if found is None or found in NO_TYPE or found == NONE:
        return None
    found = RETURNS.get(found, found)
    return DECLARED_AS.get(found, found)


def annotated_value(
    resolver: "Resolver", annotation: cst.BaseExpression, value: Optional[cst.BaseExpression]
) -> Optional[str]:
    """What ``x: T = value`` binds: the value's type when it names an instance, else T.

    The value wins only when it resolves to a class-like name (its last part capitalised,
    PEP 8's convention for classes, such as ``httpx.Client()`` or ``open()``'s file type) other
    than a constant (``None``, ``True``): that is at least as precise as the annotation
    (``q: Queue = Queue()`` keeps the unbounded queue). A literal, ``None``, an opaque value
    or a call of a function (``make_client()``, whose result asynclint does not know) gives
    no type, so the annotation decides. With no usable annotation the value is used.
    """
    declared = declared_type(resolver, annotation)
    found = resolver.value(value) if value is not None else None
    if declared is None or (found is not None and _names_instance(found)):
        return found
    return declared


def _names_instance(found: str) -> bool:
    if found.startswith("builtins.") and found[len("builtins."):] in ("None", "True", "False", "NotImplemented"):
        return False
    if found.endswith(")"):
        return True  # an instance the catalogue names: "builtins.open()", "queue.Queue(maxsize=0)"
    return found.rsplit(".", 1)[-1][:1].isupper()


def _parsed_string(resolver: "Resolver", node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """A string annotation's content as an expression; a string that is not one is unknown.

    Parsed once per text and kept alive by the resolver: its answers are memoised by node
    identity, which a freed node's successor could otherwise reuse.
    """
    text = _plain_text(node)
    if text is None or len(text) > _STRING_LIMIT or sum(map(text.count, "([{")) > _BRACKET_LIMIT:
        return None
    parsed = resolver.parsed_annotations
    if text not in parsed:
        try:
            parsed[text] = cst.parse_expression(text.strip())
        except Exception:  # ParserSyntaxError, or a native parser refusal: just unknown
            parsed[text] = None
    return parsed[text]


def _plain_text(node: cst.BaseExpression) -> Optional[str]:
    """A string literal's text where no escape needs evaluating, else None. (LibCST's
    ``evaluated_value`` calls ``ast.literal_eval``, whose nested helpers leave a reference
    cycle behind on every call; an annotation with an escape in it is not worth that.)"""
    if node.__class__ is not cst.SimpleString:
        return None  # implicit concatenation: not an annotation anyone writes
    prefix = node.prefix.lower()
    raw = node.raw_value
    if "b" in prefix or ("\\" in raw and "r" not in prefix):
        return None
    return raw


def _subscripted(resolver: "Resolver", node: cst.Subscript, depth: int) -> Optional[str]:
    form = resolver.value(node.value)
    members = [element.slice.value for element in node.slice if element.slice.__class__ is cst.Index]
    if len(members) != len(node.slice) or not members:
        return None
    if form in OPTIONAL:
        return declared_type(resolver, members[0], depth) if len(members) == 1 else None
    if form in UNION:
        only = _only_member(resolver, members)
        return None if only is None else declared_type(resolver, only, depth)
    if form in ANNOTATED:
        return declared_type(resolver, members[0], depth)
    return declared_type(resolver, node.value, depth)


def _union_members(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    """``A | B | None`` flattened, iteratively: a long union is a deep left-leaning tree."""
    members: List[cst.BaseExpression] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if current.__class__ is cst.BinaryOperation and current.operator.__class__ is cst.BitOr:
            pending.append(current.right)
            pending.append(current.left)
        else:
            members.append(current)
    return members


def _only_member(resolver: "Resolver", members: List[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """The one member that is not None, if there is exactly one."""
    rest = [member for member in members if not _is_none(resolver, member)]
    return rest[0] if len(rest) == 1 else None


def _is_none(resolver: "Resolver", member: cst.BaseExpression) -> bool:
    if member.__class__ is cst.Name:
        return member.value == "None"
    if member.__class__ is cst.SimpleString:
        inner = _parsed_string(resolver, member)
        return inner is not None and inner.__class__ is cst.Name and inner.value == "None"
    return False
