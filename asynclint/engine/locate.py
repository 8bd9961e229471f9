"""Line and column of the nodes that have findings, and nothing else.

LibCST's PositionProvider records a range for every node of the file and deep-copies the
tree first; on real code that costs more than parsing. A finding needs the range of one
node, so this replays code generation with a state that tracks only the current line and
column, records the wanted nodes, and stops as soon as the last of them is done.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from asynclint.engine import deep
from asynclint.engine.ast_positions import NEWLINE, Range, ast_nodes, parse_python, span
from asynclint.engine.node_types import RANKED
from asynclint.engine.walker import Context, Walker
from asynclint.engine.resolver import Resolver


class _Finished(Exception):
    """Raised inside code generation once every wanted node has its range."""


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NULL = _Null()


class _Record:
    """Context manager recording the syntactic range of one wanted node."""

    def __init__(self, state: "_LocatingState", node: cst.CSTNode, end_node: Optional[cst.CSTNode]) -> None:
        self.state = state
        self.node = node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)
        if self.end_node is not None:
            self.state.helpers[id(self.end_node)] = self.end_node

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return None
        state = self.state
        end = (state.line, state.column)
        if self.end_node is not None and id(self.end_node) in state.helper_ranges:
            end = state.helper_ranges[id(self.end_node)]
        state.found(self.node, self.start, end)
        return None


class _LocatingState(CodegenState):
    def __init__(self, module: cst.Module, wanted: Dict[int, cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.ranges: Dict[int, Range] = {}
        self.helpers: Dict[int, cst.CSTNode] = {}
        self.helper_ranges: Dict[int, Tuple[int, int]] = {}
        self.starts: Dict[int, Tuple[int, int]] = {}
        self.line = 1
        self.column = 0

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.tokens.append(token)
            self.column += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            segments = NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted or key in self.helpers:
            self.starts[key] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.helpers:
            self.helper_ranges[key] = (self.line, self.column)
        if key in self.wanted and key not in self.ranges:
            self.found(node, self.starts[key], (self.line, self.column))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[override]
        if id(node) in self.wanted and id(node) not in self.ranges:
            return _Record(self, node, end_node)
        return _NULL

    def found(self, node: cst.CSTNode, start: Tuple[int, int], end: Tuple[int, int]) -> None:
        self.ranges[id(node)] = Range(start[0], start[1], end[0], end[1])
        if len(self.ranges) == len(self.wanted):
            raise _Finished


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[int, Range]:
    """Ranges, keyed by ``id(node)``, of the given nodes of ``module``."""
    wanted = {id(node): node for node in nodes}
    if not wanted:
        return {}
    state = _LocatingState(module, wanted)
    try:
        module._codegen(state)
    except _Finished:
        pass
    except RecursionError:
        if not deep.active():
            raise
        # Too deep even so (CPython 3.12+ fix the C recursion limit): what was found before.
    return state.ranges


_KEYWORDS = {"def": ("def", "async"), "for": ("for", "async"), "while": ("while",), "except": ("except",)}


def locate_nodes(
    module: cst.Module, text: str, nodes: Sequence[cst.CSTNode], seen: Mapping[str, Sequence[cst.CSTNode]]
) -> Dict[int, Range]:
    """Ranges of ``nodes``: from ``ast`` where it can say, from code generation otherwise."""
    ranges = _from_ast(text, nodes, seen) if text else {}
    missing = [node for node in nodes if id(node) not in ranges]
    if missing:
        ranges.update(locate(module, missing))
    return ranges


def _from_ast(text: str, nodes: Sequence[cst.CSTNode], seen: Mapping[str, Sequence[cst.CSTNode]]) -> Dict[int, Range]:
    wanted: Dict[str, List[cst.CSTNode]] = {}
    for node in nodes:
        kind = _kind_of(node)
        if kind is not None:
            wanted.setdefault(kind, []).append(node)
    if not wanted:
        return {}
    tree = parse_python(text)
    if tree is None:
        return {}
    by_kind = ast_nodes(tree, set(wanted))
    lines = NEWLINE.split(text)
    ranges: Dict[int, Range] = {}
    for kind, targets in wanted.items():
        order = seen.get(kind, ())
        found = by_kind[kind]
        if len(found) != len(order):
            continue  # the trees disagree about this kind: let code generation answer
        rank = {id(node): i for i, node in enumerate(order)}
        located: Dict[int, Range] = {}
        for node in targets:
            i = rank.get(id(node))
            if i is None:
                break
            where = span(found[i], lines)
            if where is None or not _plausible(node, kind, where, lines):
                break
            located[id(node)] = where
        else:
            ranges.update(located)
    return ranges


def _kind_of(node: cst.CSTNode) -> Optional[str]:
    return RANKED.get(type(node))


def call_ranges_from_cst(text: str) -> Optional[List[Range]]:
    """Every call's range by LibCST's reckoning, for files ``ast`` cannot read."""
    try:
        return deep.retried(_call_ranges_from_cst, text)
    except RecursionError:
        return None


def _call_ranges_from_cst(text: str) -> Optional[List[Range]]:
    from asynclint.engine.libcst_gaps import parse_module  # it imports this module

    try:
        module = parse_module(text)
    except Exception:
        return None
    ctx = Context(module, "", Resolver("", False), None, set())
    Walker([], ctx).walk(module)
    calls = ctx.seen["call"]
    ranges = locate(module, calls)
    return [ranges.get(id(call), Range(1, 0, 1, 0)) for call in calls]


def _plausible(node: cst.CSTNode, kind: str, span: Range, lines: List[str]) -> bool:
    """Cheap evidence that the match is right: the text at the position starts as expected."""
    at = lines[span[0] - 1][span[1]:]
    keywords = _KEYWORDS.get(kind)
    if keywords is not None:
        return at.startswith(keywords)
    if kind == "call":
        name = leading_name(node)
        return name is None or at.startswith(name)
    return True


def leading_name(node: cst.CSTNode) -> Optional[str]:
    """The name a call's source text begins with, when it begins with a name."""
    while True:
        if getattr(node, "lpar", None):
            return None
        if node.__class__ is cst.Call:
            node = node.func
        elif node.__class__ in (cst.Attribute, cst.Subscript):
            node = node.value
        elif node.__class__ is cst.Name:
            return node.value
        else:
            return None
