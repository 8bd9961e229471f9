"""What one file and a whole run produce: plain data, so it pickles across processes and caches."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from asynclint.findings import Finding
from asynclint.project.facts import FileFacts, Pending
from asynclint.project.index import ProjectIndex


@dataclass
class FileResult:
    """What one file contributes to a run; plain data, so it pickles and caches."""

    findings: List[Finding] = field(default_factory=list)
    pending: List[Pending] = field(default_factory=list)
    facts: Optional[FileFacts] = None
    digest: str = ""  # of the bytes analysed, for the cache; empty if the file was not read
    encoded: str = ""  # the cache's JSON text of this result, written by the worker that made it


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    files_checked: int = 0
    results: List[FileResult] = field(default_factory=list)  # one per file, in the files' order
    index: Optional[ProjectIndex] = None
