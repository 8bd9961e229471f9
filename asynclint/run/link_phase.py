"""Phase two of a run: every file's facts into the project index, pending findings confirmed.

It runs in the main process and needs no LibCST: findings confirmed here are located by
reading the file's text again (``text_source``), never by parsing it.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence

from asynclint.findings import Finding
from asynclint.project.index import ProjectIndex
from asynclint.project.link import link
from asynclint.project.positions import CallPositions, TextSource
from asynclint.run.discovery import SourceFile
from asynclint.run.results import FileResult
from asynclint.source import read_text


def finish(results: Sequence[FileResult], text_of: TextSource) -> List[Finding]:
    """Phase two: link every file's facts into the project index and confirm pending findings."""
    return link_results(results, build_index(results, text_of))


def build_index(results: Sequence[FileResult], text_of: TextSource) -> ProjectIndex:
    return ProjectIndex((r.facts for r in results if r.facts is not None), CallPositions(text_of))


def text_source(files: Sequence[SourceFile], changed: Optional[Dict[str, str]] = None, limit: int = 0) -> TextSource:
    """Reads a file's text by its display path, for locating findings confirmed at link time."""
    paths = {source.display: source.path for source in files}
    edited = changed or {}

    def text_of(display: str) -> Optional[str]:
        if display in edited:
            return edited[display]
        path = paths.get(display)
        return None if path is None else read_text(path, limit)

    return text_of


def link_results(results: Sequence[FileResult], index: ProjectIndex) -> List[Finding]:
    return in_order(results, link([p for r in results for p in r.pending], index))


def in_order(results: Iterable[FileResult], others: List[Finding]) -> List[Finding]:
    """The files' own findings and ``others``, sorted for reporting."""
    findings = [finding for r in results for finding in r.findings] + others
    findings.sort(key=Finding.sort_key)
    return findings
