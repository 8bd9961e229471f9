"""Turning command-line paths into the list of source files to check.

Exclusion works like git: each ignore source (the exclude settings, the project's root
``.gitignore``, nested ``.gitignore`` files) is a *layer* holding a PathSpec plus the path of
the directory being walked relative to that layer's base, so every pattern is matched
relative to the directory it was written for without recomputing relative paths per file.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from pathspec import GitIgnoreSpec, PathSpec

from asynclint.settings import DEFAULT_EXCLUDES, Settings
from asynclint.source import ReadProblem, read_file

SOURCE_SUFFIXES = (".py", ".pyi")
# A larger .gitignore is not read: it is not a real one, and matching against it would be slow.
GITIGNORE_LIMIT = 1_048_576


@dataclass(frozen=True)
class SourceFile:
    path: Path  # filesystem path to open
    display: str  # the path as the user gave it, joined with the part below it
    explicit: bool  # named on the command line
    # Set on a directory that could not be listed: the AIO002 message reported for it, so
    # a run over a tree with a hole in it says so.
    problem: str = ""


class DiscoveryError(Exception):
    """One-line message such as "nosuch/: no such file or directory"; the CLI exits 2."""


# (path of the current directory relative to the layer's base, ending in "/" or empty; spec)
_Layer = Tuple[str, PathSpec]


def discover(paths: Sequence[str], settings: Settings) -> List[SourceFile]:
    """Every file to check, de-duplicated by real path and sorted by display name."""
    for given in paths:
        if not os.path.exists(given):
            raise DiscoveryError(f"{given}: no such file or directory")
    walker = _Walker(settings)
    for given in paths:
        if os.path.isdir(given):
            walker.walk_top(given)
        else:  # named explicitly: checked whatever its extension or exclusion
            walker.add(Path(given), os.path.normpath(given), os.path.realpath(given), explicit=True)
    return sorted(walker.found.values(), key=lambda source: source.display)


class _Walker:
    def __init__(self, settings: Settings) -> None:
        patterns = list(DEFAULT_EXCLUDES if settings.exclude is None else settings.exclude)
        patterns += settings.extend_exclude
        try:
            self.exclude: PathSpec = _fast(GitIgnoreSpec.from_lines(patterns))
        except Exception as error:  # pathspec's error class moved between versions
            raise DiscoveryError(f"invalid exclude pattern: {error}") from None
        self.root = os.path.abspath(settings.project_root)
        self.respect_gitignore = settings.respect_gitignore
        self.found: Dict[str, SourceFile] = {}
        self.visited: Set[str] = set()
        self.gitignores: Dict[str, Optional[PathSpec]] = {}

    def add(self, path: Path, display: str, real: str, explicit: bool) -> None:
        """One entry per real file: a name given on the command line wins, then the file's
        own name over a symbolic link to it (``--fix`` writes the file, never through a link)."""
        key = os.path.normcase(real)
        known = self.found.get(key)
        if known is None or (explicit and not known.explicit) or (
            explicit == known.explicit and os.path.islink(known.path) and not os.path.islink(path)
        ):
            self.found[key] = SourceFile(path, display, explicit)

    def walk_top(self, given: str) -> None:
        """Walk a directory named on the command line.

        Excludes are matched relative to the project root, through every directory between
        the root and this one. A directory named explicitly is walked even if it is itself
        excluded (the user asked for it); then, as for directories outside the project,
        patterns are matched relative to the directory itself.
        """
        absolute = os.path.abspath(given)
        layers = self._layers_down_to(absolute)
        if layers is None:
            layers = [("", self.exclude)]
        base = os.path.normpath(given)
        self._walk(given, "" if base == "." else base, layers)

    def _layers_down_to(self, directory: str) -> Optional[List[_Layer]]:
        """Layers in force inside ``directory``'s parent, or None if it is excluded or outside the root."""
        try:
            relative = os.path.relpath(directory, self.root)
        except ValueError:  # another drive on Windows
            return None
        if relative == os.curdir:
            return [("", self.exclude)]
        parts = relative.split(os.sep)
        if parts[0] == os.pardir:
            return None
        layers: List[_Layer] = [("", self.exclude)]
        current = self.root
        for part in parts:
            layers += self._gitignore_layer(current)
            if self._is_excluded(part, True, layers):
                return None
            layers = [(prefix + part + "/", spec) for prefix, spec in layers]
            current = os.path.join(current, part)
        return layers

    def _walk(self, directory: str, display: str, layers: List[_Layer]) -> None:
        real = os.path.normcase(os.path.realpath(directory))
        if real in self.visited:  # reached twice from the command line
            return
        self.visited.add(real)
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):  # vanished since its parent was listed
            return
        except OSError as error:
            self._unreadable(directory, display, error)
            return
        if self.respect_gitignore and any(entry.name == ".gitignore" for entry in entries):
            layers = layers + self._gitignore_layer(directory)
        for entry in entries:
            kind = _kind(entry)
            if kind is None or self._is_excluded(entry.name, kind == "dir", layers):
                continue
            shown = os.path.join(display, entry.name) if display else entry.name
            if kind == "dir":
                self._walk(entry.path, shown, [(prefix + entry.name + "/", spec) for prefix, spec in layers])
            else:
                real_file = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, entry.name)
                self.add(Path(entry.path), shown, real_file, explicit=False)

    def _unreadable(self, directory: str, display: str, error: OSError) -> None:
        """A directory that cannot be listed is reported, as an unreadable file is."""
        shown = os.path.join(display or os.curdir, "")  # "locked/": a directory, not a file
        reason = error.strerror or type(error).__name__
        key = os.path.normcase(os.path.realpath(directory))
        self.found[key] = SourceFile(Path(directory), shown, False, f"cannot read directory: {reason}")

    def _is_excluded(self, name: str, is_dir: bool, layers: Iterable[_Layer]) -> bool:
        # A slash-free pattern such as "build" already matches at any depth, so a separate
        # bare-name match is not needed (and would wrongly let "/docs" match "pkg/docs").
        suffix = "/" if is_dir else ""
        return any(spec.match_file(prefix + name + suffix) for prefix, spec in layers)

    def _gitignore_layer(self, directory: str) -> List[_Layer]:
        if not self.respect_gitignore:
            return []
        key = os.path.abspath(directory)
        if key not in self.gitignores:
            self.gitignores[key] = _fast(_load_gitignore(key))
        spec = self.gitignores[key]
        return [("", spec)] if spec is not None else []


def _kind(entry: "os.DirEntry[str]") -> Optional[str]:
    """"dir" to walk into, "file" to check, None to pass over.

    A symbolic link to a directory is not followed (git and ruff do not follow one either):
    a committed ``x -> /`` would otherwise walk the whole file system, and a link within
    the project leads to files the walk lists under their own names anyway. A link to a
    file is checked. Anything else with a source suffix (a FIFO, a device, a socket) is
    listed, so that the run reports it rather than passing over it in silence; the reader
    refuses it without opening it. Only links to source files cost a ``stat`` call: the
    other answers come with the directory listing.
    """
    source = entry.name.endswith(SOURCE_SUFFIXES)
    try:
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        if source and entry.is_symlink():
            entry.stat()  # a dangling link raises
            if entry.is_dir():
                return None
    except OSError:
        return None
    return "file" if source else None


class _OneRegex:
    """A spec without negated patterns, matched with one regular expression, not one per pattern.

    Every directory entry is matched against every layer; on a large tree the per-pattern
    loop of pathspec is most of the cost of discovery.
    """

    def __init__(self, regex: "re.Pattern[str]") -> None:
        self.regex = regex

    def match_file(self, path: str) -> bool:
        return self.regex.search(path) is not None


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _fast(spec: Optional[PathSpec]) -> Optional[PathSpec]:
    if spec is None:
        return None
    patterns = [p for p in spec.patterns if p.include is not None]
    regexes = [getattr(p, "regex", None) for p in patterns]
    if not patterns or any(p.include is False for p in patterns) or any(r is None for r in regexes):
        return spec
    try:
        # Named groups (pathspec marks directory matches with one) would clash once joined;
        # whether a pattern matches does not depend on them.
        joined = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', r.pattern)})" for r in regexes)
        return _OneRegex(re.compile(joined))  # type: ignore[return-value]
    except (re.error, TypeError):
        return spec


def _load_gitignore(directory: str) -> Optional[PathSpec]:
    """The directory's .gitignore, skipping lines pathspec rejects (git ignores them too).

    Only a regular file of at most GITIGNORE_LIMIT bytes counts: a committed link to
    ``/dev/zero`` or to a file outside the project must not be read."""
    try:
        data = read_file(os.path.join(directory, ".gitignore"), GITIGNORE_LIMIT, follow_symlinks=False)
    except ReadProblem:  # a link (git does not follow one either), a FIFO, too large...
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    try:
        return GitIgnoreSpec.from_lines(lines)
    except Exception:
        valid = []
        for line in lines:
            try:
                GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            valid.append(line)
        return GitIgnoreSpec.from_lines(valid)


def module_name(path: Path) -> Optional[str]:
    """Dotted module name implied by ``__init__.py`` files in the parent directories.

    Resolution of relative imports and of project-local names depends on it, so it follows
    the file system rather than any configured source roots.
    """
    absolute = os.path.abspath(path)
    directory, name = os.path.split(absolute)
    stem = os.path.splitext(name)[0]
    package = _package_name(directory)
    if stem == "__init__":
        return package or None
    return f"{package}.{stem}" if package else stem


@functools.lru_cache(maxsize=16384)
def _package_name(directory: str) -> str:
    """The dotted package a directory is (empty if it is not one); memoised per directory,
    since every file of a large tree asks about the same few parents."""
    if not _is_package(directory):
        return ""
    parent, name = os.path.split(directory)
    if not name:
        return ""
    outer = _package_name(parent) if parent != directory else ""
    return f"{outer}.{name}" if outer else name


@functools.lru_cache(maxsize=16384)
def _is_package(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py")) or os.path.isfile(
        os.path.join(directory, "__init__.pyi")
    )
