"""Per-file results and index facts, kept between runs and keyed by file content.

One file per configuration lives in the cache directory, in two parts: the linked findings
of the last run with the stat of every file it covered, followed by a line per file naming
the index entries its linking looked up; then the per-file entries (findings, pending
findings and index facts of each file, with its content hash and stat), one line per file
(``cache_records`` holds the lines, ``result_codec`` a file's results). A run where no
file changed reads only the first part and parses only its first line. A run where some
changed re-analyses just those and links them again (``incremental``).

This module is the store: which file holds a configuration's cache, and reading and
writing its two parts. The file is replaced whole, by one rename, under a writers' lock,
and a run reads both parts from the one file it opened: it sees one run's cache, never a
mix of two. Its first line holds an HMAC of each part, made with this user's key on this
machine (``cache_storage``), checked before anything in the part is used; the second
part's HMAC covers the first's, so the two parts of different files never pass as one.

The format is JSON, never pickle: a cache file may be corrupt or written by someone else,
so it is parsed as data, checked while decoding, and discarded whole if anything is off.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence

from asynclint import __version__
from asynclint.findings import Finding
from asynclint.run.cache_records import Entry, PreviousRun, Stat, encode_entries, encode_previous_run, parse_entries, parse_previous_run
from asynclint.run.cache_storage import check_names, machine_key, make_directory, open_regular, replace, writer_lock
from asynclint.settings import Settings, cache_key_fields

_FORMAT = 4
# A file modified within this long before its stat was recorded may change again without
# its mtime moving (coarse timestamps): such a stat is not trusted, the content is hashed.
_RACY_NS = 2_000_000_000


class CacheCorrupt(Exception):
    """A cache file that does not decode as expected; the whole cache is then ignored."""


def default_cache_dir(settings: Settings) -> Path:
    if settings.cache_dir:
        path = Path(settings.cache_dir).expanduser()
        return path if path.is_absolute() else settings.project_root / path
    return settings.project_root / ".asynclint_cache"


def fingerprint(settings: Settings, enabled: FrozenSet[str]) -> str:
    """What, besides a file's own content and path, decides its results."""
    relevant = {
        "format": _FORMAT,
        "asynclint": __version__,
        "engine": _engine_digest(),
        "libcst": _version_of("libcst"),
        "enabled": sorted(enabled),
        "settings": cache_key_fields(settings),
    }
    blob = json.dumps(relevant, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


_ENGINE: List[str] = []


def _engine_digest() -> str:
    """A hash of asynclint's own code: an edited rule or catalogue must not reuse old results
    (the version number does not change in a development checkout)."""
    if not _ENGINE:
        package = engine_package()
        h = hashlib.blake2b(digest_size=16)
        for path in sorted(package.rglob("*.py")):
            try:
                h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
            except OSError:
                continue
        _ENGINE.append(h.hexdigest())
    return _ENGINE[0]


def engine_package() -> Path:
    """The whole ``asynclint`` package (this module lives one level below it): rules,
    catalogues and the engine all decide a file's results."""
    return Path(__file__).resolve().parent.parent


def _version_of(distribution: str) -> str:
    try:
        from importlib.metadata import version

        return version(distribution)
    except Exception:  # not installed as a distribution: the cache is then keyed without it
        return ""


def stat_of(path: Path) -> Optional[Stat]:
    try:
        info = path.stat()
    except OSError:
        return None
    return Stat(info.st_mtime_ns, info.st_size)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def open_cache(directory: Path, key: str) -> Optional["Cache"]:
    """The cache of configuration ``key`` in ``directory``, or None when this run must not
    use one: no key can be had, or a name the cache uses is a symlink or not this user's
    directory. Nothing is said: the run is only slower."""
    secret = machine_key()
    if secret is None:
        return None
    cache = Cache(directory, key, secret)
    try:
        check_names([directory, cache.folder], [cache.path, cache.lock_path] + [directory / name for name in _MARKS])
    except OSError:
        return None
    return cache


_HEADER_LIMIT = 4096
_MAC = re.compile(r"[0-9a-f]{64}")


class Header(NamedTuple):
    """The cache file's first line: the first part's length and each part's HMAC."""

    linked_length: int
    linked_mac: str
    entries_mac: str


class Parts(NamedTuple):
    """A cache file's two parts, each None unless it is authentic."""

    linked: Optional[bytes]
    entries: Optional[bytes]


class Cache:
    """The cache of one configuration; loading never raises, saving never raises."""

    def __init__(self, directory: Path, key: str, secret: bytes) -> None:
        self.directory = directory
        self.key = key
        self.entries: Dict[str, Entry] = {}
        self._secret = secret
        self._handle: Any = None  # the file being read, so both parts come from one file
        self._linked: Optional[bytes] = None
        self._header = Header(0, "", "")
        self._state = "unread"  # then "linked" (first part read) and "done"

    @property
    def folder(self) -> Path:
        return self.directory / __version__

    @property
    def path(self) -> Path:
        return self.folder / f"{self.key}.jsonl"

    @property
    def lock_path(self) -> Path:
        return self.folder / f"{self.key}.lock"

    # -- reading ---------------------------------------------------------------------------

    def read_parts(self) -> Parts:
        """Both parts of the cache file, each None unless it is authentic."""
        return Parts(self._linked_part(), self._entries_part())

    def _linked_part(self) -> Optional[bytes]:
        if self._state == "unread":
            self._state = "linked"
            try:
                self._handle = open_regular(self.path)
                self._header = _header(self._handle.readline(_HEADER_LIMIT))
                blob = self._handle.read(self._header.linked_length)
                if len(blob) == self._header.linked_length and hmac.compare_digest(self._header.linked_mac, self._mac("linked", blob)):
                    self._linked = blob
            except (OSError, ValueError, RecursionError):
                pass
            if self._linked is None:
                self.close()
        return self._linked

    def _entries_part(self) -> Optional[bytes]:
        """Read once, from the file the first part came from."""
        if self._linked_part() is None or self._state == "done":
            return None
        self._state = "done"
        try:
            blob = self._handle.read()
        except OSError:
            return None
        finally:
            self.close()
        expected = self._mac("entries " + self._header.linked_mac, blob)
        return blob if hmac.compare_digest(self._header.entries_mac, expected) else None

    def _mac(self, part: str, blob: bytes) -> str:
        """Bound to the configuration and the part, so no authentic part stands in for another."""
        h = hmac.new(self._secret, f"asynclint cache {_FORMAT} {self.key} {part}\n".encode(), hashlib.sha256)
        h.update(blob)
        return h.hexdigest()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __del__(self) -> None:
        self.close()

    def previous_run(self) -> Optional[PreviousRun]:
        """Reads the first part only: a warm run needs nothing else."""
        blob = self._linked_part()
        return None if blob is None else parse_previous_run(blob)

    def load_entries(self) -> None:
        """The per-file entries, or none if the second part is not authentic or does not parse."""
        blob = self._entries_part()
        self.entries = {} if blob is None else parse_entries(blob)

    def lookup(self, display: str, module: str, codes: str, stat: Optional[Stat], content: Optional[str]) -> Optional[Entry]:
        """The cached entry for a file, if its stat is trusted or its ``content`` digest matches."""
        entry = self.entries.get(display)
        if entry is None or entry.module != module or entry.codes != codes:
            return None
        if stat is not None and entry.stat == stat:
            return entry
        if content is not None and entry.digest == content:
            entry.stat = _trusted(stat)
            entry.line = ""
            return entry
        return None

    # -- writing ---------------------------------------------------------------------------

    def store(self, display: str, module: str, codes: str, stat: Optional[Stat], content: str, text: str) -> None:
        """``text`` is the JSON of ``encode_result``'s lists."""
        self.entries[display] = Entry(_trusted(stat), content, module, codes, text)

    def save(self, stats: Dict[str, Optional[Stat]], findings: Sequence[Finding], reads: Dict[str, str]) -> None:
        """Replace the cache file; a cache that cannot be written is simply not kept.

        A stat too recent to trust is recorded as unknown: the next run hashes that file.
        """
        recorded = {display: _listed(_trusted(stat)) for display, stat in stats.items()}
        try:
            self.write_parts(encode_previous_run(recorded, findings, reads), encode_entries(self.entries, stats))
        except OSError:
            return

    def write_parts(self, linked: bytes, entries: bytes) -> None:
        """Under the writers' lock, one rename replaces the whole file. Raises OSError."""
        self.close()  # Windows cannot replace a file that is open
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        make_directory(self.directory)
        _mark(self.directory)
        make_directory(self.folder)
        mac = self._mac("linked", linked)
        header = {"format": _FORMAT, "linked": len(linked), "macs": [mac, self._mac("entries " + mac, entries)]}
        with writer_lock(self.lock_path):
            replace(self.path, [json.dumps(header).encode() + b"\n", linked, entries])


def _header(line: bytes) -> Header:
    """Raises ValueError unless ``line`` is this format's header."""
    data = json.loads(line.decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError("foreign cache")
    length, macs = data.get("linked"), data.get("macs")
    if type(length) is not int or length < 0 or type(macs) is not list or len(macs) != 2:
        raise ValueError("bad header")
    if not all(type(mac) is str and _MAC.fullmatch(mac) for mac in macs):
        raise ValueError("bad header")
    return Header(length, macs[0], macs[1])


def codes_key(codes: Iterable[str]) -> str:
    return _codes_key(frozenset(codes))


@functools.lru_cache(maxsize=256)
def _codes_key(codes: FrozenSet[str]) -> str:
    """Memoised: every file of a run asks, and nearly all with the same codes."""
    return hashlib.blake2b(",".join(sorted(codes)).encode(), digest_size=6).hexdigest()


def _trusted(stat: Optional[Stat]) -> Optional[Stat]:
    if stat is None or stat[0] > time.time_ns() - _RACY_NS:
        return None
    return stat


def _listed(stat: Optional[Stat]) -> Optional[list]:
    return None if stat is None else list(stat)


_MARKS = {
    ".gitignore": b"# Created by asynclint automatically.\n*\n",
    "CACHEDIR.TAG": b"Signature: 8a477f597d28d172789f06886806bc55\n# This is asynclint's cache.\n",
}


def _mark(directory: Path) -> None:
    """Keep the cache out of version control and backups, as other tools' caches are."""
    for name, text in _MARKS.items():
        path = directory / name
        check_names([], [path])
        if not os.path.lexists(path):
            replace(path, [text], 0o644)
