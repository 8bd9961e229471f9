"""Source from standard input, checked as if it were the file named by ``--stdin-filename``.

Editors pipe the unsaved buffer in and expect findings under the buffer's own path, with
that path's configuration and per-file-ignores; with ``--fix`` they expect the fixed source
back on stdout (and nothing else there), so remaining findings go to stderr.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, FrozenSet, List, Optional

from asynclint.source import DecodeProblem, decode, file_problem
from asynclint.findings import Finding
from asynclint.fixes.editor import FixFailed
from asynclint.fixes.policy import FixPolicy
from asynclint.fixes.apply import fix_text
from asynclint.project.index import ProjectIndex
from asynclint.run.runner import analyze_text, budget_of, build_index, check_text, failure_finding
from asynclint.selection import PerFileIgnores
from asynclint.run.workers import run_isolated
from asynclint.settings import Settings

STDIN_DISPLAY = "-"


@dataclass
class StdinOutcome:
    findings: List[Finding]
    text: Optional[str]  # the (fixed, with --fix) source; None if it could not be decoded
    fixed: int = 0
    original: Optional[str] = None  # the source as read, before any fix
    warnings: List[str] = field(default_factory=list)


def config_start(filename: Optional[str]) -> Optional[Path]:
    """Where to look for configuration: the named file's directory (if it exists), else cwd."""
    if filename is None:
        return None
    directory = Path(os.path.abspath(filename)).parent
    return directory if directory.is_dir() else None


def enabled_for_stdin(filename: Optional[str], settings: Settings, enabled: FrozenSet[str]) -> FrozenSet[str]:
    if filename is None:
        return enabled
    per_file = PerFileIgnores(settings.per_file_ignores, settings.project_root)
    return enabled - per_file.ignored(Path(filename))


def single_file_index(text: str, display: str, path: Path, settings: Settings, codes: FrozenSet[str]) -> ProjectIndex:
    """The project index of a file checked on its own (stdin, SARIF fixes for it)."""
    return build_index([analyze_text(text, display, path, settings, codes)], {display: text}.get)


def check_stdin(
    stream: BinaryIO, filename: Optional[str], settings: Settings, enabled: FrozenSet[str], policy: Optional[FixPolicy]
) -> StdinOutcome:
    """Findings for the piped source; with ``policy`` (``--fix``) also the fixed source.

    The source is parsed, checked and fixed in a worker process: if that process dies or
    runs out of time or memory, the outcome is the source unchanged and one finding.
    """
    display = filename if filename is not None else STDIN_DISPLAY
    path = Path(filename) if filename is not None else Path("stdin.py")
    codes = enabled_for_stdin(filename, settings, enabled)
    try:
        text = decode(stream.read()).text
    except DecodeProblem as error:
        findings = [file_problem(display, "AIO002", f"cannot decode file: {error}")] if "AIO002" in codes else []
        return StdinOutcome(findings, None)
    budget = budget_of(settings)
    outcome, failure = run_isolated(budget, outcome_of, text, display, path, settings, codes, policy)
    if failure is not None:
        finding = failure_finding(display, text, failure, budget)
        return StdinOutcome([finding] if finding.code in codes else [], text, original=text)
    return outcome


def outcome_of(
    text: str, display: str, path: Path, settings: Settings, codes: FrozenSet[str], policy: Optional[FixPolicy]
) -> StdinOutcome:
    """Runs in a worker: the findings, and with ``policy`` the fixed source."""
    if policy is None:
        return StdinOutcome(check_text(text, display, path, settings, codes), text, original=text)
    outcome = StdinOutcome([], text, original=text)
    try:
        index = single_file_index(text, display, path, settings, codes)
        fixed, applied = fix_text(text, display, path, settings, codes, index, policy)
    except FixFailed as error:
        outcome.warnings.append(f"{display}: fix skipped, {error}")
        fixed, applied = text, []
    outcome.text = fixed
    outcome.fixed = len(applied)
    outcome.findings = check_text(fixed, display, path, settings, codes)
    return outcome
