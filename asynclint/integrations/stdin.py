"""Source from standard input, checked as if it were the file named by ``--stdin-filename``.

Editors pipe the unsaved buffer in and expect findings under the buffer's own path, with
that path's configuration and per-file-ignores; with ``--fix`` they expect the fixed source
back on stdout (and nothing else there), so remaining findings go to stderr.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, List, Optional

from asynclint.api import check_source, fix_source, source_codes, source_names
from asynclint.source import DecodeProblem, decode, file_problem
from asynclint.findings import Finding
from asynclint.fixes.editor import FixFailed
from asynclint.fixes.policy import FixPolicy
from asynclint.run.analysis_phase import budget_of, failure_finding
from asynclint.run.workers import run_isolated
from asynclint.settings import Settings


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


def check_stdin(
    stream: BinaryIO, filename: Optional[str], settings: Settings, policy: Optional[FixPolicy]
) -> StdinOutcome:
    """Findings for the piped source; with ``policy`` (``--fix``) also the fixed source.

    The source is parsed, checked and fixed in a worker process: if that process dies or
    runs out of time or memory, the outcome is the source unchanged and one finding.
    """
    display = source_names(filename)[0]
    codes = source_codes(filename, settings)
    try:
        text = decode(stream.read()).text
    except DecodeProblem as error:
        findings = [file_problem(display, "AIO002", f"cannot decode file: {error}")] if "AIO002" in codes else []
        return StdinOutcome(findings, None)
    budget = budget_of(settings)
    outcome, failure = run_isolated(budget, outcome_of, text, filename, settings, policy)
    if failure is not None:
        finding = failure_finding(display, text, failure, budget)
        return StdinOutcome([finding] if finding.code in codes else [], text, original=text)
    return outcome


def outcome_of(text: str, filename: Optional[str], settings: Settings, policy: Optional[FixPolicy]) -> StdinOutcome:
    """Runs in a worker: the findings, and with ``policy`` the fixed source."""
    if policy is None:
        return StdinOutcome(check_source(text, filename, settings), text, original=text)
    outcome = StdinOutcome([], text, original=text)
    try:
        fixed, applied = fix_source(text, filename, settings, policy)
    except FixFailed as error:
        outcome.warnings.append(f"{source_names(filename)[0]}: fix skipped, {error}")
        fixed, applied = text, 0
    outcome.text = fixed
    outcome.fixed = applied
    outcome.findings = check_source(fixed, filename, settings)
    return outcome
