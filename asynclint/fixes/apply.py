"""``--fix``, ``--unsafe-fixes`` and ``--diff``: which findings to fix, and fixing files.

A file is re-analysed with the whole project's index so the fixes are built on the same
kind of tree the rules saw; the fixed text must parse before anything is written, and a
file with no applied fix is never touched.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst

from asynclint.engine import deep

from asynclint.engine import libcst_gaps
from asynclint.engine.analysis import analyze
from asynclint.source import DecodeProblem, decode
from asynclint.engine.contract import Report
from asynclint.run.discovery import SourceFile, module_name
from asynclint.findings import Finding
from asynclint.fixes.policy import FixPolicy
from asynclint.fixes.editor import FixFailed, apply_fixes
from asynclint.project.index import ProjectIndex
from asynclint.fixes.orphaned_imports import drop_orphaned_imports
from asynclint.fixes.atomic_write import Refused, WriteFailed, read_for_fix, remove_stale_temporaries, write_atomic
from asynclint.output.escape import visible
from asynclint.settings import Settings


@dataclass
class FixOutcome:
    fixed: Counter = field(default_factory=Counter)  # code -> fixes applied
    new_text: Dict[str, str] = field(default_factory=dict)  # display path -> fixed source
    diffs: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # one line each: path and why


def fix_text(
    text: str, display: str, path: Path, settings: Settings, enabled: FrozenSet[str], index: ProjectIndex, policy: FixPolicy
) -> Tuple[str, List[Report]]:
    """The fixed source of one file and the reports whose fixes were applied.

    Fixing can reveal more to fix (an added ``import asyncio`` gives meaning to a name that
    had none), so, as ruff does, fixes are applied again on the result until nothing
    changes: a second ``--fix`` run then has nothing left to do. Code too deeply nested for
    LibCST's code generation even with room to recurse is a FixFailed, not a traceback.
    """
    try:
        return deep.retried(_fix_text, text, display, path, settings, enabled, index, policy)
    except RecursionError:
        raise FixFailed("code nested too deeply to fix") from None


def _fix_text(
    text: str, display: str, path: Path, settings: Settings, enabled: FrozenSet[str], index: ProjectIndex, policy: FixPolicy
) -> Tuple[str, List[Report]]:
    name = module_name(path) or path.stem
    is_package = path.stem == "__init__"
    applied: List[Report] = []
    first: Optional[cst.Module] = None  # the parse of the text as given
    latest: Optional[cst.Module] = None  # the parse of ``text``, if this loop made one
    for round_number in range(_MAX_ROUNDS):
        analysis = analyze(text, display, name, is_package, settings, enabled, index=index)
        latest = analysis.module
        if latest is None:
            break
        if first is None:
            first = latest
        wanted = [r for r in analysis.reports if r.fix is not None and policy.allows(r.code, r.fix.applicability)]
        if not wanted:
            break
        try:
            fixed, done = apply_fixes(analysis.module, wanted)
        except FixFailed:
            if round_number == 0:
                raise
            break  # keep what the earlier rounds did
        if not done or fixed == text:
            break
        text, applied, latest = fixed, applied + done, None
    if applied and first is not None:
        final = latest if latest is not None else libcst_gaps.parse_module(text)  # after the last round
        text = drop_orphaned_imports(first, final, is_package)
    return text, applied


_MAX_ROUNDS = 10


def fix_files(
    files: Sequence[SourceFile],
    findings: Sequence[Finding],
    settings: Settings,
    enabled_for,  # Callable[[SourceFile], FrozenSet[str]]
    index: ProjectIndex,
    policy: FixPolicy,
    write: bool,
) -> FixOutcome:
    """Fix (or, with ``write=False``, diff) every file that has a finding the policy allows.

    ``--diff`` reads files as ``--fix`` does, so it refuses the same links and shows exactly
    what ``--fix`` would write.
    """
    outcome = FixOutcome()
    wanted = {f.path for f in findings if policy.allows_finding(f)}
    root = settings.project_root
    if write:
        remove_stale_temporaries((source.path.parent for source in files), root)
    for source in files:
        if source.display not in wanted:
            continue
        try:
            # The writer checks that the file still holds the very bytes the fix was
            # computed from, so an edit made meanwhile is never overwritten.
            snapshot = read_for_fix(source.path, root)
            original = decode(snapshot.data)
            fixed, applied = fix_text(original.text, source.display, source.path, settings, enabled_for(source), index, policy)
            if not applied or fixed == original.text:
                continue
            if write:
                write_atomic(source.path, fixed, original, snapshot)
        except Refused as error:
            outcome.errors.append(f"{source.display}: not fixed: {error}")
            continue
        except FixFailed as error:
            outcome.errors.append(f"{source.display}: fix skipped, {error}")
            continue
        except WriteFailed as error:
            outcome.errors.append(f"{source.display}: cannot write fixed file: {error}")
            continue
        except (OSError, DecodeProblem) as error:
            outcome.errors.append(f"{source.display}: cannot fix: {getattr(error, 'strerror', None) or error}")
            continue
        if not write:
            outcome.diffs.append(unified_diff(original.text, fixed, source.display))
        outcome.fixed.update(report.code for report in applied)
        outcome.new_text[source.display] = fixed
    return outcome


def unified_diff(before: str, after: str, display: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=visible(display), tofile=visible(display)
    )
    text = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
    return text
