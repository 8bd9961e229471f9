"""Valid Python that LibCST cannot parse: the exact workaround where there is one, an honest
reason where there is not.

LibCST 1.9 refuses two kinds of valid code: a parenthesised annotation target
(annotation_targets.py) and an implicit concatenation of more than 3,000 strings
(long_strings.py). Such a file is not a syntax error.

Both are parsed from a rewritten text of the same length and lines, so every other token
keeps its position. The tree is kept only if it generates the original text byte for byte:
it is then the original file's tree, so findings are located and fixes built on it as on
any other.
"""
from __future__ import annotations

import ast
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from asynclint.engine import deep
from asynclint.engine.annotation_targets import Target, parenthesised, parenthesised_targets, with_parentheses, without_parentheses
from asynclint.engine.long_strings import STRING_PIECES, Span, long_runs, parsed_in_chunks


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


def repaired(text: str, tree: ast.Module) -> Optional[cst.Module]:
    """The exact LibCST tree of valid ``text`` whose only obstacles were parenthesised
    annotation targets and long string concatenations, or None."""
    targets = parenthesised_targets(text, tree)
    if any(t is None for t in targets):
        return None
    runs = [run.spans for run in long_runs(text, tree)]
    if not targets and not runs:
        return None
    try:
        return deep.retried(_repaired, text, tree, targets, runs)
    except Exception:  # RecursionError, or LibCST refusing a rewritten text: no workaround
        return None


def _repaired(text: str, tree: ast.Module, targets: Sequence[Target], runs: List[List[Span]]) -> Optional[cst.Module]:
    rewritten = without_parentheses(text, targets)
    if runs:
        chunked = parsed_in_chunks(rewritten, runs)
        if chunked is None:
            return None
        module = _swapped(*chunked)
    else:
        module = cst.parse_module(rewritten)
    if targets:
        restored = with_parentheses(module, tree, targets)
        if restored is None:
            return None
        module = _swapped(module, restored)
    return module if module.code == text else None


def _swapped(module: cst.Module, new: Dict[int, cst.CSTNode]) -> cst.Module:
    """``module`` with each node whose ``id`` is in ``new`` replaced."""
    return module.visit(_Swap(new))


class _Swap(cst.CSTTransformer):
    def __init__(self, new: Dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.new = new

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        return self.new.get(id(original_node), updated_node)


def explain(text: str, tree: ast.Module) -> Optional[Tuple[int, str]]:
    """The line and a plain reason for LibCST refusing ``text``, which CPython accepts,
    when the reason is one of the known gaps."""
    runs = long_runs(text, tree)
    if runs:
        line, spans = runs[0]
        return line, f"an implicit concatenation of {len(spans):,} strings (LibCST's limit is {STRING_PIECES:,})"
    for node, target in zip(parenthesised(tree), parenthesised_targets(text, tree)):
        if target is None:
            return node.lineno, "a parenthesised annotation target split across lines (LibCST has no rule for `(x): int`)"
    return None
