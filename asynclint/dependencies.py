"""Which modules' facts each file's linked findings rest on.

A file's own findings come from its own text; its linked ones (a dropped coroutine, a
helper that blocks) also depend on the facts of the modules linking looked names up in.
Recording those modules while linking lets a later run, after an edit that changes one
module's facts, link again only the files that read that module, instead of every file.
"""
from __future__ import annotations

from typing import AbstractSet, Dict, FrozenSet, List, Mapping, Sequence, Set, Tuple

from asynclint.facts import Pending
from asynclint.findings import Finding
from asynclint.index import ProjectIndex
from asynclint.linking import link

# display path -> the modules whose facts its linked findings were decided by
Reach = Dict[str, List[str]]


def link_recording(pending: Mapping[str, Sequence[Pending]], index: ProjectIndex, modules: AbstractSet[str]) -> Tuple[List[Finding], Reach]:
    """Link each file's pending findings, noting the project modules each file's answers read.

    ``modules`` holds every module name of the run, including files that add nothing to
    the index yet: the edit that gives such a file its first function must still reach the
    files that looked for it.
    """
    findings: List[Finding] = []
    reach: Reach = {}
    named = _ModulesNamed(modules)
    for display, items in pending.items():
        if not items:
            continue
        with index.recording() as names:
            findings += link(items, index)
        reach[display] = sorted(set().union(*map(named, names)))
    return findings, reach


class _ModulesNamed:
    """The modules among a name's dotted prefixes: the only ones whose facts can answer it.

    Remembered per name, since files of one project look up the same names again and again.
    """

    def __init__(self, modules: AbstractSet[str]) -> None:
        self.modules = modules
        self.known: Dict[str, FrozenSet[str]] = {}

    def __call__(self, name: str) -> FrozenSet[str]:
        found = self.known.get(name)
        if found is not None:
            return found
        owner = name.rpartition(".")[0]
        found = self(owner) if owner else frozenset()
        if name in self.modules:
            found = found | {name}
        self.known[name] = found
        return found


def depending_on(reach: Mapping[str, Sequence[str]], changed: AbstractSet[str]) -> Set[str]:
    """The files whose linked findings read any of the ``changed`` modules."""
    return {display for display, read in reach.items() if not changed.isdisjoint(read)}
