"""LibCST's first gap: a parenthesised annotation target (``(x): int = 1``).

LibCST 1.9's grammar has no rule for it, though CPython's grammar has and its own
``Lib/test`` uses it. A target on one line is parsed from a text of the same length and
lines with the parentheses replaced by spaces after the target, and the parentheses and the
whitespace around them are put back into the tree afterwards.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from asynclint.engine.ast_positions import NEWLINE, char_column, line_starts


@dataclass
class Target:
    """``(( x ) ) : int`` on one line: where it is and the text around the target."""

    start: int  # offset of the first "(" in the text
    colon: int  # offset of the ":"
    target: str  # the target's own text
    after_lpar: List[str]  # whitespace after each "(", outermost first
    before_rpar: List[str]  # whitespace before each ")", innermost first
    before_colon: str


def parenthesised(tree: ast.Module) -> List[ast.AnnAssign]:
    """CPython's annotated assignments with a parenthesised target, in source order."""
    return sorted((n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and _is_parenthesised(n)), key=_start)


def parenthesised_targets(text: str, tree: ast.Module) -> List[Optional[Target]]:
    """Every parenthesised annotation target in source order; None for one that is not on a
    single line with only spaces and parentheses around it (it cannot be rewritten)."""
    found = parenthesised(tree)
    if not found:
        return []
    lines = NEWLINE.split(text)
    starts = line_starts(text)
    return [_target_at(node, lines, starts) for node in found]


def without_parentheses(text: str, targets: Sequence[Target]) -> str:
    """Each target moved to where its first "(" was, padded with spaces up to its ":"."""
    pieces = []
    at = 0
    for target in targets:
        pieces += [text[at:target.start], target.target.ljust(target.colon - target.start)]
        at = target.colon
    pieces.append(text[at:])
    return "".join(pieces)


def with_parentheses(module: cst.Module, tree: ast.Module, targets: Sequence[Target]) -> Optional[Dict[int, cst.CSTNode]]:
    """The replacement, keyed by ``id``, for each annotated assignment of ``module`` (parsed
    from ``without_parentheses``) whose target had parentheses, or None if the trees disagree."""
    ours = _ann_assigns(module)
    theirs = sorted((n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)), key=_start)
    if len(ours) != len(theirs):
        return None
    kept = iter(targets)  # in source order, as the parenthesised ones among ``theirs``
    return {id(node): _restored(node, next(kept)) for node, source in zip(ours, theirs) if _is_parenthesised(source)}


def _start(node: ast.stmt) -> Tuple[int, int]:
    return (node.lineno, node.col_offset)


def _is_parenthesised(node: ast.AnnAssign) -> bool:
    return _start(node) != _start(node.target)


def _target_at(node: ast.AnnAssign, lines: List[str], starts: List[int]) -> Optional[Target]:
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
    return Target(offset + begin, offset + end + closing.end() - 1, line[first:end], after_lpar, before_rpar,
                  closing.group(2))


def _after_each_paren(prefix: str) -> Optional[List[str]]:
    if not re.fullmatch(r"(?:\([ \t]*)+", prefix):
        return None
    return re.findall(r"\(([ \t]*)", prefix)


def _restored(node: cst.AnnAssign, target: Target) -> cst.AnnAssign:
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
