"""The edits of each fixable finding, for SARIF ``fixes``, made by the real fixer.

The fixer runs once per rule code on the file's tree and the result is compared with the
original; each changed line goes to the finding whose lines it touches, so a SARIF viewer
that applies one result's fix gets that fix plus the imports it needs.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Optional, Sequence

from asynclint.run.discovery import module_name
from asynclint.findings import Finding
from asynclint.fixes.policy import FixPolicy
from asynclint.project.index import ProjectIndex
from asynclint.output.sarif import Edit, FixProvider, overlaps, text_edits
from asynclint.settings import Settings

if TYPE_CHECKING:
    from asynclint.engine.contract import Report


def fix_provider(
    read_text: Callable[[str], Optional[str]],
    source_path: Callable[[str], Path],
    settings: Settings,
    enabled_for_path: Callable[[str], FrozenSet[str]],
    index: Optional[ProjectIndex],
    policy: FixPolicy,
) -> FixProvider:
    """A provider over one run: ``read_text`` and ``source_path`` map display paths to files."""

    def provide(display: str, findings: Sequence[Finding]) -> Dict[Finding, List[Edit]]:
        wanted = [f for f in findings if policy.allows_finding(f)]
        text = read_text(display) if wanted else None
        if text is None:
            return {}
        from asynclint.engine.analysis import analyze  # LibCST only when there is a fix to show

        path = source_path(display)
        codes = enabled_for_path(display)
        if index is None:  # a file checked on its own is its own project
            from asynclint.api import single_file_index

            project = single_file_index(text, display, path, settings, codes)
        else:
            project = index
        analysis = analyze(text, display, module_name(path) or path.stem, path.stem == "__init__",
                           settings, codes, index=project)
        if analysis.module is None:
            return {}
        groups: Dict[str, List["Report"]] = {}
        for report in analysis.reports:
            if report.fix is not None and policy.allows(report.code, report.fix.applicability):
                groups.setdefault(report.code, []).append(report)
        out: Dict[Finding, List[Edit]] = {}
        for code, reports in groups.items():
            same_code = [f for f in wanted if f.code == code]
            if same_code:
                out.update(_edits_for_code(analysis.module, text, reports, same_code))
        return out

    return provide


def _edits_for_code(module, text: str, reports: List["Report"], findings: List[Finding]) -> Dict[Finding, List[Edit]]:  # type: ignore[no-untyped-def]
    """One fixer pass for all of a code's fixes, its edits shared out by the lines they touch.

    A pass per code (not per finding) keeps SARIF output fast on large files. Edits that
    touch no finding's lines (an added import, the background-task set) are what those
    fixes need at module level, so each finding of the code carries them.
    """
    from asynclint.fixes.editor import FixFailed, apply_fixes

    try:
        fixed, applied = apply_fixes(module, reports)
    except FixFailed:
        return {}
    if not applied or fixed == text:
        return {}
    hunks = text_edits(text, fixed)
    shared = [h.edit for h in hunks if not any(overlaps(f, h) for f in findings)]
    out: Dict[Finding, List[Edit]] = {}
    for finding in findings:
        own = [h.edit for h in hunks if overlaps(finding, h)]
        if own:
            out[finding] = sorted(own + shared)
    return out
