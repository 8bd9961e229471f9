"""What a run is asked to do, besides the settings: the codes it checks and how many processes.

Resolved once, in the main process, so every phase (and every worker) agrees on which
codes are on for the run and for each file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, FrozenSet, Optional

from asynclint.run.discovery import SourceFile
from asynclint.selection import PerFileIgnores, enabled_codes
from asynclint.settings import Settings


@dataclass
class RunOptions:
    """What a run needs besides settings: resolved codes and the degree of parallelism."""

    enabled: FrozenSet[str]
    jobs: int = 1
    cache: bool = False  # read and write the content cache
    # Return the last run's linked findings when no file changed; off when the caller
    # needs every file's results and the index (fixing).
    reuse_linked: bool = True


def options_for(settings: Settings, jobs: Optional[int] = None) -> RunOptions:
    enabled = enabled_codes(settings.select, settings.extend_select, settings.ignore)
    return RunOptions(enabled, jobs or os.cpu_count() or 1)


def enabled_for(settings: Settings, options: RunOptions) -> Callable[[SourceFile], FrozenSet[str]]:
    """The codes enabled for one file: the run's selection minus its per-file-ignores."""
    per_file = PerFileIgnores(settings.per_file_ignores, settings.project_root)
    return lambda source: options.enabled - per_file.ignored(source.path)
