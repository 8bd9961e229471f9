"""Line and column of the nodes that have findings, and nothing else.

LibCST's PositionProvider records a range for every node of the file and deep-copies the
tree first; on real code that costs more than parsing. A finding needs the range of one
node, so this replays code generation with a state that tracks only the current line and
column, records the wanted nodes, and stops as soon as the last of them is done.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

Range = Tuple[int, int, int, int]  # start line, start column, end line, end column (1-based lines, 0-based columns)

_NEWLINE = re.compile(r"\r\n?|\n")


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
            segments = _NEWLINE.split(value)
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
        self.ranges[id(node)] = (start[0], start[1], end[0], end[1])
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
    return state.ranges


