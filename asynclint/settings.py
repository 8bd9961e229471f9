"""The settings of a run: one frozen record, its defaults, and which of its fields key the cache.

Kept apart from reading ``[tool.asynclint]`` (asynclint.config) so that the engine, the
checks and the worker processes use the record without the TOML reader.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "build", "dist", ".tox", ".nox",
    "node_modules", "site-packages", ".mypy_cache", ".pytest_cache", ".asynclint_cache", ".eggs",
)

DEFAULT_TARGET_VERSION = (3, 9)

# What one file may cost the worker that parses it. A 1 MB file of real code (the
# max-file-size default) takes 10 s and 356 MB of address space on the 2-core test machine,
# 55 s of wall time while that machine is busy.
DEFAULT_MAX_FILE_TIME = 120.0
DEFAULT_MAX_FILE_MEMORY = 4 << 30


def _no_mapping() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Settings:
    """One run's configuration, shared by every part of it and sent to worker processes.

    Frozen, with tuples and read-only mappings inside, so no part of a run can change what
    another part (or the cache key) sees. Lists and dicts given to the constructor (the TOML
    loader, ``dataclasses.replace``) are frozen by ``__post_init__``.
    """

    select: Optional[Tuple[str, ...]] = None  # None: the default rule set
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    exclude: Optional[Tuple[str, ...]] = None  # None: DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Mapping[str, Tuple[str, ...]] = field(default_factory=_no_mapping, hash=False)
    target_version: Tuple[int, int] = DEFAULT_TARGET_VERSION
    blocking_calls: Mapping[str, str] = field(default_factory=_no_mapping, hash=False)
    allow_no_await: Tuple[str, ...] = ()
    task_keepers: Tuple[str, ...] = ()
    fixable: Optional[Tuple[str, ...]] = None  # None: every fixable rule
    unfixable: Tuple[str, ...] = ()
    cache_dir: Optional[str] = None
    respect_gitignore: bool = True
    # LibCST needs about 700 bytes of memory per byte of source: a 10 MB file would take 7 GB.
    max_file_size: int = 1_048_576
    # What one file may cost the worker process that parses it (see asynclint.run.workers).
    max_file_time: float = DEFAULT_MAX_FILE_TIME
    max_file_memory: int = DEFAULT_MAX_FILE_MEMORY
    project_root: Path = field(default_factory=Path.cwd)
    config_path: Optional[Path] = None

    def __post_init__(self) -> None:
        for each in fields(self):
            object.__setattr__(self, each.name, _frozen(getattr(self, each.name)))

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        """Worker processes receive settings by pickle, which cannot pickle a read-only
        mapping: the fields go as plain values and ``__post_init__`` freezes them again."""
        return type(self), tuple(_thawed(getattr(self, each.name)) for each in fields(self))


def _frozen(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, Mapping) and not isinstance(value, MappingProxyType):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    return value


def _thawed(value: Any) -> Any:
    return dict(value) if isinstance(value, MappingProxyType) else value


# Fields that cannot change any file's findings or fixes, so the cache key leaves them out
# (asynclint.run.cache.fingerprint); every other field is in the key, including any added
# later. Each is here for a reason:
#   select, extend_select, ignore: their whole effect is the set of enabled codes, which is
#     in the key itself (two selections enabling the same codes share a cache);
#   exclude, extend_exclude, respect_gitignore: they decide which files are checked, not
#     what a file's results are; the cache covers each file by its path and content;
#   cache_dir: where the cache is, not what is in it;
#   config_path: where the settings came from; their values (and project_root, which
#     anchors per-file-ignores and module names) are in the key.
NOT_IN_CACHE_KEY: FrozenSet[str] = frozenset({
    "select", "extend_select", "ignore", "exclude", "extend_exclude", "respect_gitignore", "cache_dir", "config_path",
})


def cache_key_fields(settings: Settings) -> Dict[str, Any]:
    """The settings that can change a file's results, as JSON-ready plain values.

    Derived from the dataclass fields, so a new option is part of the cache key unless it
    is deliberately listed in NOT_IN_CACHE_KEY; a stale result can only come from a wrong
    entry there, never from a forgotten one.
    """
    return {each.name: _plain(getattr(settings, each.name)) for each in fields(settings) if each.name not in NOT_IN_CACHE_KEY}


def _plain(value: Any) -> Any:
    """JSON values that encode the same way in every run: lists for tuples, strings for paths."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value
