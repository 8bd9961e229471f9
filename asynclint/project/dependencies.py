"""Which index entries each file's linked findings rest on.

A file's own findings come from its own text; its linked ones (a dropped coroutine, a
helper that blocks) also depend on the index entries linking looked up. Recording the names
looked up lets a later run, after an edit that changes some entries (a new function, a
changed import), link again only the files that looked one of them up, instead of every file.
"""
from __future__ import annotations

from typing import AbstractSet, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

from asynclint.project.facts import FileFacts, Pending
from asynclint.findings import Finding
from asynclint.project.index import ProjectIndex
from asynclint.project.link import link


def link_recording(pending: Mapping[str, Sequence[Pending]], index: ProjectIndex) -> Tuple[List[Finding], Dict[str, FrozenSet[str]]]:
    """Link each file's pending findings, noting the names each file's answers looked up."""
    findings: List[Finding] = []
    reads: Dict[str, FrozenSet[str]] = {}
    for display, items in pending.items():
        if not items:
            continue
        with index.recording() as names:
            findings += link(items, index)
        reads[display] = frozenset(names)
    return findings, reads


def changed_keys(before: Optional[FileFacts], after: Optional[FileFacts]) -> Set[str]:
    """The index entries one file's edit added, removed or changed."""
    changed: Set[str] = set()
    for table in ("functions", "classes", "aliases"):
        old: dict = getattr(before, table) if before is not None else {}
        new: dict = getattr(after, table) if after is not None else {}
        changed.update(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    return changed


def reading_any(reads: Mapping[str, Sequence[str]], keys: AbstractSet[str]) -> Set[str]:
    """The files that looked up one of ``keys`` or a name under one of them.

    A lookup of ``pkg.mod.f`` consults the entries ``pkg.mod.f``, ``pkg.mod`` (an alias the
    name may be rewritten through) and ``pkg``: any of them changing may change the answer.
    """
    under: Dict[str, bool] = {}

    def is_under(name: str) -> bool:
        found = under.get(name)
        if found is None:
            owner = name.rpartition(".")[0]
            found = under[name] = name in keys or (bool(owner) and is_under(owner))
        return found

    return {display for display, names in reads.items() if any(map(is_under, names))}
