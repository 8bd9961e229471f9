"""Which codes are enabled, for the run and for one file (ruff's select/ignore meaning)."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import FrozenSet, Iterable, Mapping, Optional

from asynclint.codes import FILE_ERROR_CODES, default_codes, expand


def enabled_codes(
    select: Optional[Iterable[str]], extend_select: Iterable[str], ignore: Iterable[str]
) -> FrozenSet[str]:
    """``select`` replaces the defaults, ``extend-select`` adds, ``ignore`` removes.

    File-level problems (AIO001–AIO003) are always reported unless ignored by name, as a
    file that cannot be checked must not pass silently.
    """
    base = expand(select) if select is not None else default_codes()
    codes = set(base) | expand(extend_select) | set(FILE_ERROR_CODES)
    return frozenset(codes - expand(ignore))


class PerFileIgnores:
    """``per-file-ignores``: glob patterns on paths relative to the project root."""

    def __init__(self, table: Mapping[str, Iterable[str]], root: Path) -> None:
        self.rules = [(pattern, frozenset(expand(codes))) for pattern, codes in table.items()]
        self.root = root

    def ignored(self, path: Path) -> FrozenSet[str]:
        if not self.rules:
            return frozenset()
        try:
            relative = os.path.relpath(os.path.abspath(path), self.root)
        except ValueError:  # another drive on Windows
            relative = str(path)
        relative = relative.replace(os.sep, "/")
        name = os.path.basename(relative)
        out: set = set()
        for pattern, codes in self.rules:
            if fnmatch.fnmatchcase(relative, pattern) or ("/" not in pattern and fnmatch.fnmatchcase(name, pattern)):
                out |= codes
        return frozenset(out)
