"""One file from bytes to results, in whichever process checks it.

Used by the workers of a run and, for a single text, by standard input and the flake8
plugin. A file that cannot be read or decoded is one finding (AIO002), never an error that
stops the run; a file the prefilter proves has nothing to find is not parsed at all.
"""
from __future__ import annotations

from pathlib import Path
from typing import FrozenSet, List

from asynclint.engine.complexity import python_refusal
from asynclint.findings import Finding
from asynclint.run.cache import digest
from asynclint.run.discovery import SourceFile, module_name
from asynclint.run.link_phase import finish
from asynclint.run.prefilter import needs_parse
from asynclint.run.results import FileResult
from asynclint.source import DecodeProblem, ReadProblem, decode, file_limit, file_problem, read_file
from asynclint.settings import Settings


def is_package_file(path: Path) -> bool:
    return path.stem == "__init__"


def analyze_text(text: str, display: str, path: Path, settings: Settings, enabled: FrozenSet[str]) -> FileResult:
    """Phase one for one file: findings it holds alone, pending ones, and its index facts."""
    from asynclint.engine.analysis import analyze  # LibCST is imported only when a file is analysed

    name = module_name(path) or path.stem
    analysis = analyze(text, display, name, is_package_file(path), settings, enabled)
    return FileResult(analysis.findings, analysis.pending, analysis.facts)


def check_text(text: str, display: str, path: Path, settings: Settings, enabled: FrozenSet[str]) -> List[Finding]:
    """All findings for one file on its own (stdin, the flake8 plugin): it is its own project."""
    result = analyze_text(text, display, path, settings, enabled)
    return finish([result], {display: text}.get)


def check_source(source: SourceFile, settings: Settings, enabled: FrozenSet[str]) -> FileResult:
    """Read, decode and analyse one file; what cannot be read or decoded becomes AIO002."""
    if source.problem:  # a directory discovery could not list
        return only_if(enabled, file_problem(source.display, "AIO002", source.problem))
    try:
        data = read_file(source.path, file_limit(settings))
    except ReadProblem as problem:
        return only_if(enabled, file_problem(source.display, "AIO002", str(problem)))
    try:
        text = decode(data).text
    except DecodeProblem as error:
        result = only_if(enabled, file_problem(source.display, "AIO002", f"cannot decode file: {error}"))
    else:
        if needs_parse(data) or not _compiles(text):
            result = analyze_text(text, source.display, source.path, settings, enabled)
        else:
            result = FileResult()
    result.digest = digest(data)
    return result


def _compiles(text: str) -> bool:
    """CPython's parser, to be sure a file skipped by the prefilter has no AIO001 to report."""
    return python_refusal(text, nesting_only=False) is None


def only_if(enabled: FrozenSet[str], finding: Finding) -> FileResult:
    """A result holding ``finding`` if its code is on for the file, else an empty one."""
    return FileResult([finding] if finding.code in enabled else [])
