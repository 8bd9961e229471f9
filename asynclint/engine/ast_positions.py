"""Where calls and other nodes are, by CPython's ``ast``: free of LibCST.

The link step locates confirmed findings in the main process, which must not import
LibCST (a run where one file changed links every file without parsing them), so this
half of locating lives apart from the LibCST half in ``locate``.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Dict, List, NamedTuple, Optional, Tuple

from asynclint.engine import deep

class Range(NamedTuple):
    """Where a node is: lines count from 1, columns (in characters) from 0. Made here and in
    locate.py; read without LibCST when linking."""

    line: int
    column: int
    end_line: int
    end_column: int


NEWLINE = re.compile(r"\r\n?|\n")

# -- positions from the ``ast`` tree ---------------------------------------------------------
#
# CPython's parser is an order of magnitude faster than replaying LibCST's code generation,
# and it records every node's position. The walk lists the nodes of a few types in source
# order (engine.RANKED); the n-th such CST node is the n-th ast node of the same kind when
# both are sorted by position. The counts must agree and each match is spot-checked against
# the text; anything that does not fit falls back to code generation.
_AST_KINDS: Dict[str, Tuple[type, ...]] = {
    "call": (ast.Call,),
    "def": (ast.FunctionDef, ast.AsyncFunctionDef),
    "for": (ast.For, ast.AsyncFor),
    "while": (ast.While,),
    "except": (ast.ExceptHandler,),
    "assign": (ast.Assign,),
}


def parse_python(text: str) -> Optional[ast.AST]:
    """CPython's tree, or None. Running out of recursion is final only in a deep run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, OverflowError):
        return None  # newer syntax than this interpreter knows
    except RecursionError:
        if not deep.active():
            raise
        return None  # too deep for CPython's own limits (3.12+ fix the C recursion limit)


def ast_nodes(tree: ast.AST, kinds: set) -> Dict[str, list]:
    types = {t: kind for kind in kinds if kind in _AST_KINDS for t in _AST_KINDS[kind]}
    found: Dict[str, list] = {kind: [] for kind in kinds}
    want_items = "withitem" in kinds
    with_types = (ast.With, ast.AsyncWith)
    stack: list = [tree]
    pop, push = stack.pop, stack.append
    node_type, context = ast.AST, ast.expr_context
    while stack:  # ast.walk, without its generator overhead
        node = pop()
        kind = types.get(node.__class__)
        if kind is not None:
            found[kind].append(node)
        if want_items and isinstance(node, with_types):
            found["withitem"].extend(node.items)
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type) and not isinstance(value, context):
                push(value)
    for kind, items in found.items():
        items.sort(key=_start_key_item if kind == "withitem" else _start_key)
    return found


def ast_calls(text: str) -> Optional[List[Tuple[Range, str]]]:
    """Every call of ``text`` in source order: its range and the text it starts with."""
    try:
        return deep.retried(_ast_calls, text)
    except RecursionError:
        return None


def _ast_calls(text: str) -> Optional[List[Tuple[Range, str]]]:
    tree = parse_python(text)
    if tree is None:
        return None
    lines = NEWLINE.split(text)
    out: List[Tuple[Range, str]] = []
    for node in ast_nodes(tree, {"call"})["call"]:
        where = span(node, lines)
        if where is None:
            return None
        out.append((where, lines[where[0] - 1][where[1]:]))
    return out


def _start_key(node: ast.AST) -> Tuple[int, int, int, int]:
    return (node.lineno, node.col_offset, -(node.end_lineno or 0), -(node.end_col_offset or 0))  # type: ignore[attr-defined]


def _start_key_item(item: ast.withitem) -> Tuple[int, int, int, int]:
    return _start_key(item.context_expr)


def span(node: ast.AST, lines: List[str]) -> Optional[Range]:
    if isinstance(node, ast.withitem):
        first: ast.AST = node.context_expr
        last: ast.AST = node.optional_vars or node.context_expr
    else:
        first = last = node
    start_line, end_line = first.lineno, last.end_lineno  # type: ignore[attr-defined]
    if end_line is None or not (0 < start_line <= end_line <= len(lines)):
        return None
    start = char_column(lines[start_line - 1], first.col_offset)  # type: ignore[attr-defined]
    end = char_column(lines[end_line - 1], last.end_col_offset)  # type: ignore[attr-defined]
    return Range(start_line, start, end_line, end)


def line_starts(text: str) -> List[int]:
    """The offset in ``text`` where each line starts."""
    return [0] + [match.end() for match in NEWLINE.finditer(text)]


def char_column(line: str, byte_offset: Optional[int]) -> int:
    """ast counts columns in UTF-8 bytes; findings count characters."""
    if byte_offset is None:
        return 0
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))
