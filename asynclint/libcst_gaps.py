"""Valid Python that LibCST cannot parse: the exact workaround where there is one, an honest
reason where there is not.

LibCST 1.9's grammar has no rule for a parenthesised annotation target (``(x): int = 1``,
which CPython's grammar has and its own ``Lib/test`` uses), and its parser refuses an
implicit concatenation of more than 3,000 strings (``MAX_RECURSION_DEPTH`` in its
grammar.rs). Such a file is not a syntax error.

A parenthesised target on one line is parsed exactly: the parentheses and the spaces around
the target are rewritten as the target followed by spaces (same length, same lines, so every
other token keeps its position), LibCST parses that, the parentheses are put back on the
target node, and the tree is kept only if it generates the original text byte for byte. The
tree is then the original file's, so fixes are built on it as on any other.
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

from asynclint import deep
from asynclint.locate import char_column

# LibCST refuses implicit concatenations of more strings than this (grammar.rs).
STRING_PIECES = 3000

_NEWLINE = re.compile(r"\r\n?|\n")


def libcst_version() -> str:
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
    """The exact LibCST tree of valid ``text`` whose parenthesised annotation targets were
    its only obstacle, or None."""
    targets = parenthesised_targets(text, tree)
    if not targets or any(t is None for t in targets):
        return None
    try:
        return deep.retried(_repaired, text, tree, targets)
    except Exception:  # RecursionError, or LibCST refusing the rebuilt node: no workaround
        return None


def _repaired(text: str, tree: ast.Module, targets: Sequence[_Target]) -> Optional[cst.Module]:
    pieces = []
    at = 0
    for target in targets:
        width = target.colon - target.start
        pieces += [text[at:target.start], target.target.ljust(width)]
        at = target.colon
    pieces.append(text[at:])
    try:
        module = cst.parse_module("".join(pieces))
    except cst.ParserSyntaxError:
        return None
    ours = _ann_assigns(module)
    theirs = sorted((n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)), key=_start)
    if len(ours) != len(theirs):
        return None
    rewritten = iter(targets)  # in source order, as the parenthesised ones among ``theirs``
    new = {id(node): _with_parentheses(node, next(rewritten)) for node, source in zip(ours, theirs) if _is_parenthesised(source)}
    module = module.visit(_Swap(new))
    return module if module.code == text else None


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
    run = _long_concatenation(text, tree)
    if run is not None:
        return run[0], f"an implicit concatenation of {run[1]:,} strings (LibCST's limit is {STRING_PIECES:,})"
    for node, target in zip(_parenthesised(tree), parenthesised_targets(text, tree)):
        if target is None:
            return node.lineno, "a parenthesised annotation target split across lines (LibCST has no rule for `(x): int`)"
    return None


def _long_concatenation(text: str, tree: ast.Module) -> Optional[Tuple[int, int]]:
    """Line and length of the first implicit concatenation of more strings than LibCST takes."""
    lines = _NEWLINE.split(text)
    shortest = 2 * (STRING_PIECES + 1)  # every piece is at least two characters long
    runs = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Constant, ast.JoinedStr)) and getattr(node, "end_lineno", None) is not None:
            if isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes)):
                continue
            segment = _segment(lines, node)
            if segment is not None and len(segment) >= shortest:
                runs.append((node.lineno, node.col_offset, segment))
    for line, _, segment in sorted(runs, key=lambda r: r[:2]):
        count = _pieces(segment)
        if count > STRING_PIECES:
            return line, count
    return None


def _segment(lines: List[str], node: ast.expr) -> Optional[str]:
    first, last = node.lineno, node.end_lineno
    if last is None or not 0 < first <= last <= len(lines):
        return None
    if first == last:
        line = lines[first - 1]
        return line[char_column(line, node.col_offset):char_column(line, node.end_col_offset)]
    head = lines[first - 1][char_column(lines[first - 1], node.col_offset):]
    tail = lines[last - 1][:char_column(lines[last - 1], node.end_col_offset)]
    return "\n".join([head, *lines[first:last - 1], tail])


def _pieces(segment: str) -> int:
    """How many string literals an implicit concatenation is made of."""
    count = 0
    depth = 0  # inside an f-string's replacement fields (3.12+ tokenizes those)
    try:
        for token in tokenize.generate_tokens(io.StringIO("(" + segment + ")").readline):
            name = tokenize.tok_name[token.type]
            if name == "FSTRING_START":
                count += depth == 0
                depth += 1
            elif name == "FSTRING_END":
                depth -= 1
            elif token.type == tokenize.STRING and depth == 0:
                count += 1
    except (tokenize.TokenError, SyntaxError):
        return 0
    return count
