"""Imports that a fix left with nothing to do, removed with the use the fix replaced.

Replacing ``time.sleep(...)`` with ``asyncio.sleep(...)`` can take away the last use of
``import time``; leaving it would hand the user an F401 from their other linter for a
change asynclint made. Only what the fix orphaned goes: a module-level import, alone on
its line with no comment, whose name the file mentioned outside the import before fixing
and nowhere at all afterwards (not in code, strings, comments or ``__all__``). Package
``__init__`` files keep every import: they are often there to be re-exported.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence

import libcst as cst

from asynclint.engine.resolver import dotted


def drop_orphaned_imports(before: cst.Module, after: cst.Module, is_package: bool) -> str:
    """The code of ``after`` without the imports the fixes that turned ``before`` into it
    orphaned. Takes the trees the fixer already parsed: a file is not parsed again for this."""
    if is_package:
        return after.code
    uses_before, uses_after = _Mentions(before), _Mentions(after)
    body: List[cst.BaseStatement] = []
    changed = False
    gap: Optional[Sequence[cst.EmptyLine]] = None  # blank lines above removed statements
    for stmt in after.body:
        kept = _without_orphans(stmt, uses_before, uses_after)
        if kept is not stmt:
            changed = True
        if kept is None:
            if gap is None or len(stmt.leading_lines) > len(gap):
                gap = stmt.leading_lines
            continue
        if gap is not None:
            kept = kept.with_changes(leading_lines=_merged_gap(gap, kept.leading_lines, first=not body))
            gap = None
        body.append(kept)
    return (after.with_changes(body=body) if changed else after).code


def _merged_gap(
    removed: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine], first: bool
) -> Sequence[cst.EmptyLine]:
    """The lines above the statement after a removed one. A new first statement starts where
    the removed one did; elsewhere the wider of the two blank gaps stays (a removed import
    that opened a group keeps the group apart), and comments are never dropped."""
    if first:
        return list(removed) + [line for line in own if line.comment is not None]
    if any(line.comment is not None for line in own) or len(own) >= len(removed):
        return own
    return removed


def _without_orphans(stmt: cst.BaseStatement, before: "_Mentions", after: "_Mentions") -> Optional[cst.BaseStatement]:
    """The statement, a copy without orphaned names, or None when every name it binds is."""
    aliases = _imported(stmt)
    if aliases is None or not isinstance(stmt, cst.SimpleStatementLine):
        return stmt
    if stmt.trailing_whitespace.comment is not None or any(line.comment is not None for line in stmt.leading_lines):
        return stmt
    orphaned = [alias for alias in aliases if _orphaned(_bound_name(alias), before, after)]
    if not orphaned:
        return stmt
    if len(orphaned) == len(aliases):
        return None
    remaining = [alias for alias in aliases if alias not in orphaned]
    remaining[-1] = remaining[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return stmt.with_changes(body=[stmt.body[0].with_changes(names=remaining)])


def _imported(stmt: cst.BaseStatement) -> Optional[Sequence[cst.ImportAlias]]:
    """The names of a module-level import alone on its line (not ``__future__``, not ``*``)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return small.names
    if isinstance(small, cst.ImportFrom):
        if isinstance(small.names, cst.ImportStar) or dotted(small.module) == "__future__":
            return None
        return small.names
    return None


class _Mentions:
    """How often a name appears in a module outside its module-level imports: in code,
    strings and comments alike, but not as an attribute (``asyncio.sleep`` is no ``sleep``)."""

    def __init__(self, module: cst.Module) -> None:
        self.text = module.code
        self.imports = [module.code_for_node(stmt) for stmt in module.body if _imported(stmt) is not None]

    def count(self, name: str) -> int:
        word = re.compile(r"(?<![\w.])%s\b" % re.escape(name))
        return len(word.findall(self.text)) - sum(len(word.findall(text)) for text in self.imports)


def _orphaned(name: Optional[str], before: _Mentions, after: _Mentions) -> bool:
    return name is not None and after.count(name) == 0 and before.count(name) > 0


def _bound_name(alias: cst.ImportAlias) -> Optional[str]:
    """The name an import binds: its ``as`` name, else the first part of what it imports."""
    if alias.asname is not None:
        target = alias.asname.name
        return target.value if isinstance(target, cst.Name) else None
    full = dotted(alias.name)
    return full.split(".")[0] if full else None
