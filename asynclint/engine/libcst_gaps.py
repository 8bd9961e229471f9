"""Valid Python that LibCST cannot parse: the exact workaround where there is one, an honest
reason where there is not.

LibCST 1.9's grammar has no rule for a parenthesised annotation target (``(x): int = 1``,
which CPython's grammar has and its own ``Lib/test`` uses), and its parser refuses an
implicit concatenation of more than 3,000 strings (``MAX_RECURSION_DEPTH`` in its
grammar.rs). Such a file is not a syntax error.

Both are parsed from a rewritten text of the same length and lines, so every other token
keeps its position: a parenthesised target on one line becomes the target followed by
spaces; a long concatenation is parsed in chunks, the rest of it replaced by one string
literal each time, and the chunks' strings are nested again as LibCST nests them. The tree
is kept only if it generates the original text byte for byte: it is then the original
file's tree, so findings are located and fixes built on it as on any other.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from asynclint.engine import deep
from asynclint.engine.ast_positions import char_column

# LibCST refuses implicit concatenations of more strings than this (grammar.rs).
STRING_PIECES = 3000

_NEWLINE = re.compile(r"\r\n?|\n")


def libcst_version() -> str:
    """For messages about LibCST's gaps: they change with its version."""
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # metadata missing or unreadable: still say which parser it was
        return "(unknown version)"


def parse_module(text: str) -> cst.Module:
    """``cst.parse_module``, and for valid code LibCST refuses, the exact workaround if any.

    Raises the ParserSyntaxError of the original text when there is none.
    """
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        tree = python_tree(text)
        module = None if tree is None else repaired(text, tree)
        if module is None:
            raise error from None
        return module


def python_tree(text: str) -> Optional[ast.Module]:
    """CPython's tree of ``text``, or None if CPython refuses it or cannot say (too deep)."""
    try:
        tree = deep.retried(python_tree_or_error, text)
    except RecursionError:
        return None
    return tree if isinstance(tree, ast.Module) else None


def python_tree_or_error(text: str) -> Union[ast.Module, SyntaxError, None]:
    """CPython's tree of ``text``; its SyntaxError if it refuses the code; None if it cannot
    say (a null byte, memory). A RecursionError propagates, for a deep retry."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(text, "<asynclint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)  # type: ignore[no-any-return]
    except SyntaxError as error:
        return error.with_traceback(None)  # its traceback's frame would hold it: a cycle
    except (ValueError, MemoryError, OverflowError):
        return None


# -- parenthesised annotation targets --------------------------------------------------------


@dataclass
class _Target:
    """``(( x ) ) : int`` on one line: where it is and the text around the target."""

    start: int  # offset of the first "(" in the text
    colon: int  # offset of the ":"
    target: str  # the target's own text
    after_lpar: List[str]  # whitespace after each "(", outermost first
    before_rpar: List[str]  # whitespace before each ")", innermost first
    before_colon: str


def repaired(text: str, tree: ast.Module) -> Optional[cst.Module]:
    """The exact LibCST tree of valid ``text`` whose only obstacles were parenthesised
    annotation targets and long string concatenations, or None."""
    targets = parenthesised_targets(text, tree)
    if any(t is None for t in targets):
        return None
    runs = [spans for _, spans in long_runs(text, tree)]
    if not targets and not runs:
        return None
    try:
        return deep.retried(_repaired, text, tree, targets, runs)
    except Exception:  # RecursionError, or LibCST refusing a rewritten text: no workaround
        return None


def _repaired(text: str, tree: ast.Module, targets: Sequence[_Target], runs: List[List[Span]]) -> Optional[cst.Module]:
    rewritten = _without_parentheses(text, targets)
    module = _parse_long_runs(rewritten, runs) if runs else cst.parse_module(rewritten)
    if module is None:
        return None
    if targets:
        ours = _ann_assigns(module)
        theirs = sorted((n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)), key=_start)
        if len(ours) != len(theirs):
            return None
        kept = iter(targets)  # in source order, as the parenthesised ones among ``theirs``
        new = {id(node): _with_parentheses(node, next(kept)) for node, source in zip(ours, theirs) if _is_parenthesised(source)}
        module = module.visit(_Swap(new))
    return module if module.code == text else None


def _without_parentheses(text: str, targets: Sequence[_Target]) -> str:
    """Each target moved to where its first "(" was, padded with spaces up to its ":"."""
    pieces = []
    at = 0
    for target in targets:
        pieces += [text[at:target.start], target.target.ljust(target.colon - target.start)]
        at = target.colon
    pieces.append(text[at:])
    return "".join(pieces)


def _start(node: ast.stmt) -> Tuple[int, int]:
    return (node.lineno, node.col_offset)


def _is_parenthesised(node: ast.AnnAssign) -> bool:
    return _start(node) != _start(node.target)


def _parenthesised(tree: ast.Module) -> List[ast.AnnAssign]:
    return sorted((n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and _is_parenthesised(n)), key=_start)


def parenthesised_targets(text: str, tree: ast.Module) -> List[Optional[_Target]]:
    """Every parenthesised annotation target in source order; None for one that is not on a
    single line with only spaces and parentheses around it (it cannot be rewritten)."""
    found = _parenthesised(tree)
    if not found:
        return []
    lines = _NEWLINE.split(text)
    starts = [0]
    for match in _NEWLINE.finditer(text):
        starts.append(match.end())
    return [_target_at(node, lines, starts) for node in found]


def _target_at(node: ast.AnnAssign, lines: List[str], starts: List[int]) -> Optional[_Target]:
    target = node.target
    if not (node.lineno == target.lineno == target.end_lineno):
        return None
    line = lines[node.lineno - 1]
    begin = char_column(line, node.col_offset)
    first = char_column(line, target.col_offset)
    end = char_column(line, target.end_col_offset)
    after_lpar = _after_each_paren(line[begin:first])
    if after_lpar is None:
        return None
    closing = re.match(r"((?:[ \t]*\)){%d})([ \t]*):" % len(after_lpar), line[end:])
    if closing is None:
        return None
    before_rpar = re.findall(r"([ \t]*)\)", closing.group(1))
    offset = starts[node.lineno - 1]
    return _Target(offset + begin, offset + end + closing.end() - 1, line[first:end], after_lpar, before_rpar,
                   closing.group(2))


def _after_each_paren(prefix: str) -> Optional[List[str]]:
    if not re.fullmatch(r"(?:\([ \t]*)+", prefix):
        return None
    return re.findall(r"\(([ \t]*)", prefix)


def _with_parentheses(node: cst.AnnAssign, target: _Target) -> cst.AnnAssign:
    lpar = [cst.LeftParen(whitespace_after=cst.SimpleWhitespace(ws)) for ws in target.after_lpar]
    rpar = [cst.RightParen(whitespace_before=cst.SimpleWhitespace(ws)) for ws in target.before_rpar]
    annotation = node.annotation.with_changes(whitespace_before_indicator=cst.SimpleWhitespace(target.before_colon))
    return node.with_changes(target=node.target.with_changes(lpar=lpar, rpar=rpar), annotation=annotation)


def _ann_assigns(module: cst.Module) -> List[cst.AnnAssign]:
    """Every AnnAssign in source order; expressions (where none can be) are not entered."""
    out: List[cst.AnnAssign] = []
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.AnnAssign):
            out.append(node)
        elif not isinstance(node, cst.BaseExpression):
            stack.extend(reversed(node.children))
    return out


class _Swap(cst.CSTTransformer):
    def __init__(self, new: Dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.new = new

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        return self.new.get(id(original_node), updated_node)


# -- why LibCST refused valid code -----------------------------------------------------------


def explain(text: str, tree: ast.Module) -> Optional[Tuple[int, str]]:
    """The line and a plain reason for LibCST refusing ``text``, which CPython accepts,
    when the reason is one of the known gaps."""
    runs = long_runs(text, tree)
    if runs:
        line, spans = runs[0]
        return line, f"an implicit concatenation of {len(spans):,} strings (LibCST's limit is {STRING_PIECES:,})"
    for node, target in zip(_parenthesised(tree), parenthesised_targets(text, tree)):
        if target is None:
            return node.lineno, "a parenthesised annotation target split across lines (LibCST has no rule for `(x): int`)"
    return None


Span = Tuple[int, int]  # start and end offsets in the text


def long_runs(text: str, tree: ast.Module) -> List[Tuple[int, List[Span]]]:
    """Each implicit concatenation of more strings than LibCST takes, in source order: its
    line and where each of its strings is."""
    starts = _line_starts(text)
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
            runs.append((line, [(start + a, start + b) for a, b in spans]))
    return runs


def _line_starts(text: str) -> List[int]:
    return [0] + [match.end() for match in _NEWLINE.finditer(text)]


def _offsets(text: str, starts: List[int], node: ast.expr) -> Optional[Span]:
    first, last = node.lineno, node.end_lineno
    if last is None or node.end_col_offset is None or not 0 < first <= last <= len(starts):
        return None
    return _offset(text, starts, first, node.col_offset), _offset(text, starts, last, node.end_col_offset)


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
                    spans.append((opened, starts[token.end[0] - 1] + token.end[1] - 1))
            elif depth == 0 and token.type == tokenize.STRING:
                spans.append((at, at + len(token.string)))
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


def _parse_long_runs(text: str, runs: List[List[Span]]) -> Optional[cst.Module]:
    """The exact tree of ``text`` whose only obstacle LibCST has is ``runs``.

    Each run is parsed in chunks: the rest of the run, and every other long run, are
    replaced by a single string literal of the same length and lines. The chunks' strings
    and the whitespace between them are joined as LibCST itself nests them, and put where the
    whole run's placeholder is in a parse of the text with every run replaced.
    """
    whole = [(run[0][0], run[-1][1]) for run in runs]
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
    return base.visit(_Swap(new))


def _chunk(text: str, whole: List[Span], r: int, run: List[Span], first: int) -> Optional[Tuple[list, list]]:
    """The strings ``run[first:first + _CHUNK]`` as LibCST parses them, with the whitespace
    after each (none after the run's last)."""
    last = min(first + _CHUNK, len(run)) - 1
    before = (run[0][0], run[first - 1][1]) if first else None
    after = (run[last + 1][0], run[-1][1]) if last + 1 < len(run) else None
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
    for start, end in sorted(spans):
        pieces += [text[at:start], _placeholder(text, (start, end))]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _placeholder(text: str, span: Span) -> str:
    """A string literal as long as ``text[span]``, with its line breaks where they were."""
    region = text[span[0]:span[1]]
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
