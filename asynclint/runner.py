"""A whole run: check every discovered file, in parallel, and gather the findings.

Workers receive settings once (pool initializer) and return plain findings, so results do
not depend on how many processes ran them: the final list is sorted.
"""
from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence

from asynclint.analysis import DecodeProblem, analyze, decode, file_problem, link
from asynclint.discovery import SourceFile, module_name
from asynclint.facts import FileFacts, Pending
from asynclint.findings import Finding
from asynclint.index import ProjectIndex
from asynclint.selection import PerFileIgnores, enabled_codes

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 16


@dataclass
class RunOptions:
    """What a run needs besides settings: resolved codes and the degree of parallelism."""

    enabled: FrozenSet[str]
    jobs: int = 1


@dataclass
class FileResult:
    """What one file contributes to a run; plain data, so it pickles and caches."""

    findings: List[Finding] = field(default_factory=list)
    pending: List[Pending] = field(default_factory=list)
    facts: Optional[FileFacts] = None


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    files_checked: int = 0
    results: List[FileResult] = field(default_factory=list)  # one per file, in the files' order
    index: Optional[ProjectIndex] = None


def options_for(settings: object, jobs: Optional[int] = None) -> RunOptions:
    enabled = enabled_codes(
        getattr(settings, "select", None), getattr(settings, "extend_select", ()), getattr(settings, "ignore", ())
    )
    return RunOptions(enabled, jobs or os.cpu_count() or 1)


def is_package_file(path: Path) -> bool:
    return path.stem == "__init__"


def analyze_text(text: str, display: str, path: Path, settings: object, enabled: FrozenSet[str]) -> FileResult:
    """Phase one for one file: findings it holds alone, pending ones, and its index facts."""
    name = module_name(path) or path.stem
    analysis = analyze(text, display, name, is_package_file(path), settings, enabled)
    return FileResult(analysis.findings, analysis.pending, analysis.facts)


def check_text(text: str, display: str, path: Path, settings: object, enabled: FrozenSet[str]) -> List[Finding]:
    """All findings for one file on its own (stdin, the flake8 plugin): it is its own project."""
    result = analyze_text(text, display, path, settings, enabled)
    return finish([result])


def check_source(source: SourceFile, settings: object, enabled: FrozenSet[str]) -> FileResult:
    """Read, decode and analyse one file; unreadable or undecodable files become AIO002."""
    try:
        data = source.path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return _only_if(enabled, file_problem(source.display, "AIO002", f"cannot read file: {reason}"))
    try:
        text = decode(data).text
    except DecodeProblem as error:
        return _only_if(enabled, file_problem(source.display, "AIO002", f"cannot decode file: {error}"))
    return analyze_text(text, source.display, source.path, settings, enabled)


def _only_if(enabled: FrozenSet[str], finding: Finding) -> FileResult:
    return FileResult([finding] if finding.code in enabled else [])


def finish(results: Sequence[FileResult]) -> List[Finding]:
    """Phase two: link every file's facts into the project index and confirm pending findings."""
    return link_results(results, build_index(results))


def build_index(results: Sequence[FileResult]) -> ProjectIndex:
    return ProjectIndex(r.facts for r in results if r.facts is not None)


def link_results(results: Sequence[FileResult], index: ProjectIndex) -> List[Finding]:
    findings = [finding for r in results for finding in r.findings]
    findings += link([p for r in results for p in r.pending], index)
    findings.sort(key=Finding.sort_key)
    return findings


def enabled_for(settings: object, options: RunOptions) -> Callable[[SourceFile], FrozenSet[str]]:
    """The codes enabled for one file: the run's selection minus its per-file-ignores."""
    per_file = PerFileIgnores(getattr(settings, "per_file_ignores", {}) or {}, Path(getattr(settings, "project_root", ".")))
    return lambda source: options.enabled - per_file.ignored(source.path)


def recheck(
    files: Sequence[SourceFile], previous: RunResult, changed: Dict[str, str], settings: object, options: RunOptions
) -> RunResult:
    """Findings after some files' text changed (by fixes): only those files are analysed again."""
    codes_for = enabled_for(settings, options)
    results = list(previous.results)
    for i, source in enumerate(files):
        if source.display in changed:
            results[i] = analyze_text(changed[source.display], source.display, source.path, settings, codes_for(source))
    index = build_index(results)
    return RunResult(link_results(results, index), len(files), results, index)


# -- worker processes --------------------------------------------------------------------

_WORKER_STATE: dict = {}


def _init_worker(settings: object, enabled: FrozenSet[str]) -> None:
    _WORKER_STATE["settings"] = settings
    _WORKER_STATE["enabled"] = enabled
    _WORKER_STATE["per_file"] = PerFileIgnores(getattr(settings, "per_file_ignores", {}) or {}, Path(getattr(settings, "project_root", ".")))


def _check_in_worker(source: SourceFile) -> FileResult:
    per_file: PerFileIgnores = _WORKER_STATE["per_file"]
    enabled: FrozenSet[str] = _WORKER_STATE["enabled"] - per_file.ignored(source.path)
    return check_source(source, _WORKER_STATE["settings"], enabled)


def run(files: Sequence[SourceFile], settings: object, options: RunOptions) -> RunResult:
    """Check ``files`` and return every finding, sorted by path, line and column."""
    results: List[FileResult]
    if options.jobs > 1 and len(files) >= _PARALLEL_THRESHOLD:
        context = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
        with context.Pool(options.jobs, _init_worker, (settings, options.enabled)) as pool:
            chunk = max(1, min(64, len(files) // (options.jobs * 8) or 1))
            results = pool.map(_check_in_worker, files, chunksize=chunk)
    else:
        _init_worker(settings, options.enabled)
        results = [_check_in_worker(source) for source in files]
    index = build_index(results)
    return RunResult(link_results(results, index), len(files), list(results), index)
