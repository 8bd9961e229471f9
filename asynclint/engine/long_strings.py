"""LibCST's second gap: an implicit concatenation of more than 3,000 strings.

LibCST's parser refuses more pieces than that (``MAX_RECURSION_DEPTH`` in its grammar.rs),
though CPython takes any number. Such a run is parsed in chunks from texts of the same
length and lines: each time the rest of the run is replaced by one string literal, and the
chunks' strings are nested again as LibCST nests them.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Dict, List, NamedTuple, Optional, Tuple

import libcst as cst

from asynclint.engine.ast_positions import char_column, line_starts

# LibCST refuses implicit concatenations of more strings than this (grammar.rs).
STRING_PIECES = 3000


class Span(NamedTuple):
    """Where a piece of the text is: start and end offsets."""

    start: int
    end: int


class Run(NamedTuple):
    """One implicit concatenation too long for LibCST: its first line and its strings."""

    line: int
    spans: List[Span]


def long_runs(text: str, tree: ast.Module) -> List[Run]:
    """Each implicit concatenation of more strings than LibCST takes, in source order: its
    line and where each of its strings is."""
    starts = line_starts(text)
    shortest = 2 * (STRING_PIECES + 1)  # every piece is at least two characters long
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))):
            where = _offsets(text, starts, node)
            if where is not None and where[1] - where[0] >= shortest:
                found.append((node.lineno, where))
    runs = []
    reached = -1
    for line, (start, end) in sorted(set(found), key=lambda item: (item[1][0], -item[1][1])):
        if end <= reached:
            continue  # a part of a concatenation already seen (3.12+ locate f-string parts)
        reached = end
        spans = _piece_spans(text[start:end])
        if spans is not None and len(spans) > STRING_PIECES:
            runs.append(Run(line, [Span(start + a, start + b) for a, b in spans]))
    return runs


def _offsets(text: str, starts: List[int], node: ast.expr) -> Optional[Span]:
    first, last = node.lineno, node.end_lineno
    if last is None or node.end_col_offset is None or not 0 < first <= last <= len(starts):
        return None
    return Span(_offset(text, starts, first, node.col_offset), _offset(text, starts, last, node.end_col_offset))


def _offset(text: str, starts: List[int], line: int, byte_column: int) -> int:
    end = starts[line] if line < len(starts) else len(text)
    return starts[line - 1] + char_column(text[starts[line - 1]:end], byte_column)


def _piece_spans(segment: str) -> Optional[List[Span]]:
    """Where each string of an implicit concatenation is, or None if ``segment`` is more."""
    wrapped = "(" + segment + ")"
    starts = [0]
    for line in io.StringIO(wrapped):
        starts.append(starts[-1] + len(line))
    spans: List[Span] = []
    depth = 0  # inside an f-string's replacement fields (3.12+ tokenizes those)
    opened = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(wrapped).readline):
            name = tokenize.tok_name[token.type]
            at = starts[token.start[0] - 1] + token.start[1] - 1
            if name in ("FSTRING_START", "TSTRING_START"):
                opened = at if depth == 0 else opened
                depth += 1
            elif name in ("FSTRING_END", "TSTRING_END"):
                depth -= 1
                if depth == 0:
                    spans.append(Span(opened, starts[token.end[0] - 1] + token.end[1] - 1))
            elif depth == 0 and token.type == tokenize.STRING:
                spans.append(Span(at, at + len(token.string)))
            elif depth == 0 and name not in ("NL", "COMMENT", "NEWLINE", "ENDMARKER") and not (
                token.type == tokenize.OP and at in (-1, len(segment))
            ):
                return None
    except (tokenize.TokenError, SyntaxError):
        return None
    return spans


# LibCST takes up to 3,000 strings; each partial parse keeps this many and a placeholder
# string on either side for the rest.
_CHUNK = STRING_PIECES - 2


def parsed_in_chunks(text: str, runs: List[List[Span]]) -> Optional[Tuple[cst.Module, Dict[int, cst.CSTNode]]]:
    """The tree of ``text`` with each run a placeholder, and each placeholder's replacement
    by ``id``: together, the exact tree of ``text`` whose only obstacle LibCST has is ``runs``.

    Each run is parsed in chunks: the rest of the run, and every other long run, are
    replaced by a single string literal of the same length and lines. The chunks' strings
    and the whitespace between them are joined as LibCST itself nests them, and put where the
    whole run's placeholder is in a parse of the text with every run replaced.
    """
    whole = [Span(run[0].start, run[-1].end) for run in runs]
    base = cst.parse_module(_with_placeholders(text, whole))
    tops = _concatenations(base, [[_placeholder(text, span)] for span in whole])
    if tops is None:
        return None
    new: Dict[int, cst.CSTNode] = {}
    for r, run in enumerate(runs):
        strings: List[cst.BaseExpression] = []
        spaces: List[cst.BaseParenthesizableWhitespace] = []
        for first in range(0, len(run), _CHUNK):
            chunk = _chunk(text, whole, r, run, first)
            if chunk is None:
                return None
            strings += chunk[0]
            spaces += chunk[1]
        joined = strings[-1]
        for string, space in zip(reversed(strings[:-1]), reversed(spaces)):
            joined = cst.ConcatenatedString(left=string, right=joined, whitespace_between=space)
        new[id(tops[r])] = joined.with_changes(lpar=tops[r].lpar, rpar=tops[r].rpar)
    return base, new


def _chunk(text: str, whole: List[Span], r: int, run: List[Span], first: int) -> Optional[Tuple[list, list]]:
    """The strings ``run[first:first + _CHUNK]`` as LibCST parses them, with the whitespace
    after each (none after the run's last)."""
    last = min(first + _CHUNK, len(run)) - 1
    before = Span(run[0].start, run[first - 1].end) if first else None
    after = Span(run[last + 1].start, run[-1].end) if last + 1 < len(run) else None
    others = [span for i, span in enumerate(whole) if i != r]
    module = cst.parse_module(_with_placeholders(text, others + [s for s in (before, after) if s is not None]))
    shape = ([_placeholder(text, before)] if before else []) + [None] * (last - first + 1) + (
        [_placeholder(text, after)] if after else [])
    found = _concatenations(module, [shape])
    if found is None:
        return None
    strings, spaces = _flattened(found[0])
    keep = slice(1 if before else 0, len(strings) - (1 if after else 0))
    spaces_kept = spaces[keep.start:keep.stop] if after else spaces[keep.start:]
    return strings[keep], spaces_kept


def _with_placeholders(text: str, spans: List[Span]) -> str:
    pieces = []
    at = 0
    for span in sorted(spans):
        pieces += [text[at:span.start], _placeholder(text, span)]
        at = span.end
    pieces.append(text[at:])
    return "".join(pieces)


def _placeholder(text: str, span: Span) -> str:
    """A string literal as long as ``text[span]``, with its line breaks where they were."""
    region = text[span.start:span.end]
    body = re.sub(r"[^\r\n]", "x", region)
    if "\n" not in region and "\r" not in region:
        return "'" + body[1:-1] + "'"
    if len(body) < 6 or body[:3] != "xxx" or body[-3:] != "xxx":
        return region  # cannot be rewritten: the parse fails, and the file is AIO002
    return '"""' + body[3:-3] + '"""'


def _flattened(node: cst.BaseExpression) -> Tuple[list, list]:
    strings, spaces = [], []
    while isinstance(node, cst.ConcatenatedString):
        strings.append(node.left)
        spaces.append(node.whitespace_between)
        node = node.right
    strings.append(node)
    return strings, spaces


def _concatenations(module: cst.Module, shapes: List[list]) -> Optional[List[cst.BaseExpression]]:
    """The string expressions of ``module`` with the given shapes, in source order: each
    shape lists its strings, a placeholder's text or None for any string."""
    found: List[cst.BaseExpression] = []
    stack: List[cst.CSTNode] = [module]
    while stack and len(found) < len(shapes):
        node = stack.pop()
        if isinstance(node, (cst.ConcatenatedString, cst.SimpleString)) and _has_shape(node, shapes[len(found)]):
            found.append(node)
            continue
        stack.extend(reversed(node.children))
    return found if len(found) == len(shapes) else None


def _has_shape(node: cst.BaseExpression, shape: list) -> bool:
    strings = _flattened(node)[0]
    return len(strings) == len(shape) and all(
        want is None or (isinstance(got, cst.SimpleString) and got.value == want) for got, want in zip(strings, shape)
    )
