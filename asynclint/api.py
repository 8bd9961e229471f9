"""asynclint in-process: the one way the command, standard input, the flake8 plugin and an
editor reach the engine, so each applies selection, per-file-ignores, ``noqa`` and linking
exactly as the others do.

Nothing here prints: callers decide what a finding or a warning looks like. Nothing here
imports LibCST at import time either: the command imports this module for every run, and a
warm run (all results from the cache), ``--version``, ``--list-rules`` and ``--explain``
must not pay for the parser.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from asynclint.codes import FILE_ERROR_CODES, expand
from asynclint.settings import Settings
from asynclint.findings import Finding
from asynclint.project.index import ProjectIndex
from asynclint.run.discovery import SourceFile, discover
from asynclint.run.check_file import analyze_text, check_text
from asynclint.run.link_phase import build_index, finish
from asynclint.run.options import RunOptions, enabled_for, options_for
from asynclint.run.results import RunResult
from asynclint.run.runner import recheck, run

if TYPE_CHECKING:  # fixing imports LibCST; only a run that fixes imports it
    from asynclint.fixes.apply import FixOutcome
    from asynclint.fixes.policy import FixPolicy

# What standard input and flake8 call a source that is not a file.
STDIN_DISPLAY = "-"
_UNNAMED = (STDIN_DISPLAY, "stdin")

Progress = Callable[[int], None]


@dataclass
class CheckedPaths:
    """A run over files: what the command reports, and what fixing them starts from."""

    files: List[SourceFile]  # as discovered, sorted by display path
    run: RunResult
    options: RunOptions

    @property
    def findings(self) -> List[Finding]:
        return self.run.findings

    @property
    def file_errors(self) -> List[Finding]:
        """Files that could not be checked (AIO001-AIO003): reported, never fatal to the run."""
        return [finding for finding in self.run.findings if finding.code in FILE_ERROR_CODES]


def source_codes(path: Optional[str], settings: Settings, select: Optional[Iterable[str]] = None) -> FrozenSet[str]:
    """The codes checked in one source: the settings' selection less the path's
    per-file-ignores, as the command applies them; or, when the caller owns selection
    (flake8, a rule's own tests), exactly the codes ``select`` names."""
    if select is not None:
        return frozenset(expand(select))
    options = options_for(settings, 1)
    if path is None:
        return options.enabled
    return enabled_for(settings, options)(SourceFile(Path(path), path, True))


def source_names(path: Optional[str]) -> Tuple[str, Path]:
    """The name findings carry, and the file whose location gives the module its name.

    A source with no file behind it is module ``stdin``, whether it came from asynclint's
    own standard input or from flake8's.
    """
    display = path if path is not None else STDIN_DISPLAY
    return display, Path("stdin.py") if display in _UNNAMED else Path(display)


def check_source(
    text: str, path: Optional[str] = None, settings: Optional[Settings] = None, select: Optional[Iterable[str]] = None
) -> List[Finding]:
    """Every finding in one source on its own: no worker, no cache, and the source is its
    own project, which is what an editor buffer or a flake8 file is.

    ``path`` names the source (its configuration's per-file-ignores apply to it) and, for a
    real file, the package it belongs to. Callers that must survive a parser crash run this
    in a worker (``asynclint.run.workers``).
    """
    settings = settings if settings is not None else Settings()
    display, file = source_names(path)
    return check_text(text, display, file, settings, source_codes(path, settings, select))


def check_sources(
    texts: Mapping[str, str], settings: Optional[Settings] = None, select: Optional[Iterable[str]] = None
) -> List[Finding]:
    """Every finding in several sources checked as one project, in-process: what an editor
    with unsaved buffers of one package needs, and what a rule's cross-module examples need.

    Each key is a file path: it names the source's findings and, through the
    ``__init__.py`` files around it, its module. Unlike :func:`check_paths`, no worker
    isolates the parser and no file is read.
    """
    settings = settings if settings is not None else Settings()
    results = [analyze_text(text, path, Path(path), settings, source_codes(path, settings, select))
               for path, text in texts.items()]
    return finish(results, texts.get)


def single_file_index(text: str, display: str, path: Path, settings: Settings, codes: FrozenSet[str]) -> ProjectIndex:
    """The project index of a source checked on its own, which fixing it needs."""
    return build_index([analyze_text(text, display, path, settings, codes)], {display: text}.get)


def fix_source(
    text: str, path: Optional[str], settings: Settings, policy: "FixPolicy", select: Optional[Iterable[str]] = None
) -> Tuple[str, int]:
    """The fixed text of one source on its own, and how many fixes it took.

    Raises ``asynclint.fixes.editor.FixFailed`` when no fix could be applied safely.
    """
    from asynclint.fixes.apply import fix_text  # LibCST: only a run that fixes pays for it

    display, file = source_names(path)
    codes = source_codes(path, settings, select)
    index = single_file_index(text, display, file, settings, codes)
    fixed, applied = fix_text(text, display, file, settings, codes, index, policy)
    return fixed, len(applied)


def run_options(settings: Settings, jobs: Optional[int] = None, cache: bool = True, fixing: bool = False) -> RunOptions:
    """How a run over files goes: its codes, workers and cache use."""
    options = replace(options_for(settings, jobs), cache=cache)
    if fixing:  # fixing needs every file's results and the index, not a cached summary
        options = replace(options, reuse_linked=False)
    return options


def check_paths(
    paths: Sequence[str],
    settings: Settings,
    jobs: Optional[int] = None,
    cache: bool = True,
    fixing: bool = False,
    progress: Optional[Callable[[int], Optional[Progress]]] = None,
) -> CheckedPaths:
    """Find the files under ``paths`` and check them as one project, in worker processes,
    through the cache: what the command does for files.

    ``progress``, if given, is called with the number of files once they are found, and
    the callback it returns (if any) is advanced as files are checked. ``fixing`` keeps
    every file's results and the index, which :func:`fix_paths` needs.
    Raises ``asynclint.run.discovery.DiscoveryError`` for a path that does not exist.
    """
    files = discover(list(paths) or ["."], settings)
    options = run_options(settings, jobs, cache, fixing)
    advance = progress(len(files)) if progress is not None else None
    return CheckedPaths(files, run(files, settings, options, progress=advance), options)


def fix_paths(
    checked: CheckedPaths, settings: Settings, policy: "FixPolicy", write: bool
) -> Tuple[CheckedPaths, "FixOutcome"]:
    """Fix the checked files (``write``) or only compute their diffs; after writing, the
    findings are those of the fixed files. Problems are in the outcome's ``errors``."""
    from asynclint.fixes.apply import fix_files  # LibCST: only a run that fixes pays for it

    codes_for = enabled_for(settings, checked.options)
    outcome = fix_files(checked.files, checked.findings, settings, codes_for, checked.run.index, policy, write=write)
    if write and outcome.new_text:
        checked = replace(checked, run=recheck(checked.files, checked.run, outcome.new_text, settings, checked.options))
    return checked, outcome
