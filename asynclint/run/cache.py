"""Per-file results and index facts, kept between runs and keyed by file content.

One file per configuration lives in the cache directory, in two parts: the linked findings
of the last run with the stat of every file it covered, followed by a line per file naming
the index entries its linking looked up; then the per-file entries (findings, pending
findings and index facts of each file, with its content hash and stat), one line per file.
A run where no file changed reads only the first part and parses only its first line. A
run where some changed re-analyses just those and links them again, plus the files whose
messages cite a line elsewhere and, if the edit changed index entries, the files that
looked one of them up, decoding no more entries than linking them reaches. So a change to
an imported file updates the findings of the files that use what changed, and only theirs.

The file is replaced whole, by one rename, under a writers' lock, and a run reads both
parts from the one file it opened: it sees one run's cache, never a mix of two. Its first
line holds an HMAC of each part, made with this user's key on this machine
(``cache_storage``), checked before anything in the part is used; the second part's HMAC
covers the first's, so the two parts of different files never pass as one.

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
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from asynclint import __version__
from asynclint.run.cache_storage import check_names, machine_key, make_directory, open_regular, replace, writer_lock
from asynclint.project.facts import BlockingSite, FileFacts, FunctionFacts, Pending
from asynclint.findings import Finding, FixInfo
from asynclint.settings import Settings, cache_key_fields

Stat = Tuple[int, int]  # mtime in nanoseconds, size in bytes
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
        package = Path(__file__).resolve().parent
        h = hashlib.blake2b(digest_size=16)
        for path in sorted(package.rglob("*.py")):
            try:
                h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
            except OSError:
                continue
        _ENGINE.append(h.hexdigest())
    return _ENGINE[0]


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
    return (info.st_mtime_ns, info.st_size)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Entry:
    """One file's cached analysis: valid while its content hash (or trusted stat) matches.

    The result stays JSON text until something asks for it: a run where one file changed
    decodes that file's entry and the few its linking reaches, and writes the others back
    untouched.
    """

    __slots__ = ("stat", "digest", "module", "codes", "text", "line")

    def __init__(self, stat: Optional[Stat], digest: str, module: str, codes: str, text: str, line: str = "") -> None:
        self.stat = stat
        self.digest = digest
        self.module = module
        self.codes = codes
        self.text = text  # the encoded FileResult parts, as JSON
        self.line = line  # the line it was read from, written back as is while unchanged

    def encode(self, display: str) -> str:
        if not self.line:
            head = [display, None if self.stat is None else list(self.stat), self.digest, self.module, self.codes]
            self.line = f"[{json.dumps(head, separators=(',', ':'))},{self.text}]"
        return self.line

    def result(self) -> Any:
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError) as error:
            raise CacheCorrupt(str(error)) from None


class PreviousRun:
    """The last run's linked findings and the stat it recorded for each file (None: not trusted)."""

    def __init__(self, stats: Dict[str, Optional[list]], findings: list, reads: bytes = b"") -> None:
        self.stats = stats
        self._findings = findings
        self._reads = reads  # one line per file, split only when some file changed

    def changed(self, stats: Dict[str, Optional[Stat]]) -> Optional[List[str]]:
        """Files whose stat is not the recorded one; None if the run covers other files."""
        if len(stats) != len(self.stats):
            return None
        out: List[str] = []
        for display, stat in stats.items():
            if display not in self.stats:
                return None
            seen = self.stats[display]
            if stat is None or seen is None or list(stat) != seen:
                out.append(display)
        return out

    def findings(self) -> List[Finding]:
        """Raises CacheCorrupt if they do not decode."""
        try:
            return [decode_finding(item) for item in self._findings]
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise CacheCorrupt(str(error)) from None

    def reads(self) -> Dict[str, str]:
        """For each file with linked findings, the names its linking looked up, kept as the
        JSON text ``decode_names`` reads: most runs only replace the edited files' lines.
        Each line is ``[display, [name, ...]]``. Raises CacheCorrupt."""
        out: Dict[str, str] = {}
        try:
            for line in self._reads.decode("utf-8").split("\n"):
                if not line:
                    continue
                if not (line.startswith('["') and line.endswith("]]")):
                    raise ValueError("bad line")
                display, end = _DECODER.raw_decode(line, 1)
                if line[end:end + 2] != ",[":
                    raise ValueError("bad line")
                out[_s(display)] = line[end + 1:-1]
        except (UnicodeDecodeError, TypeError, ValueError, RecursionError) as error:
            raise CacheCorrupt(str(error)) from None
        return out


def encode_names(names: Iterable[str]) -> str:
    return json.dumps(sorted(names), separators=(",", ":"))


def decode_names(texts: Iterable[str]) -> List[List[str]]:
    """Raises CacheCorrupt unless every text is a JSON list of strings."""
    try:
        lists = json.loads("[" + ",".join(texts) + "]")
    except (ValueError, RecursionError) as error:
        raise CacheCorrupt(str(error)) from None
    if not all(type(names) is list and all(type(name) is str for name in names) for names in lists):
        raise CacheCorrupt("bad names")
    return lists


_DECODER = json.JSONDecoder()


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


class Cache:
    """The cache of one configuration; loading never raises, saving never raises."""

    def __init__(self, directory: Path, key: str, secret: bytes) -> None:
        self.directory = directory
        self.key = key
        self.entries: Dict[str, Entry] = {}
        self._secret = secret
        self._handle: Any = None  # the file being read, so both parts come from one file
        self._linked: Optional[bytes] = None
        self._macs: Tuple[str, str] = ("", "")
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

    def read_parts(self) -> Tuple[Optional[bytes], Optional[bytes]]:
        """Both parts of the cache file, each None unless it is authentic."""
        return self._linked_part(), self._entries_part()

    def _linked_part(self) -> Optional[bytes]:
        if self._state == "unread":
            self._state = "linked"
            try:
                self._handle = open_regular(self.path)
                length, self._macs = _header(self._handle.readline(_HEADER_LIMIT))
                blob = self._handle.read(length)
                if len(blob) == length and hmac.compare_digest(self._macs[0], self._mac("linked", blob)):
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
        return blob if hmac.compare_digest(self._macs[1], self._mac("entries " + self._macs[0], blob)) else None

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
        """Parses the first line only: a warm run needs the stats and findings, not the reads."""
        blob = self._linked_part()
        if blob is None:
            return None
        head, _, reads = blob.partition(b"\n")
        try:
            data = json.loads(head.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        stats, findings = data.get("stats"), data.get("findings")
        if not isinstance(stats, dict) or not isinstance(findings, list):
            return None
        if not all(seen is None or (type(seen) is list and len(seen) == 2) for seen in stats.values()):
            return None
        return PreviousRun(stats, findings, reads)

    def load_entries(self) -> None:
        """One line per file: ``[[display, stat, digest, module, codes], result]``.

        Only the first element of each line is parsed here; the result is kept as text.
        """
        self.entries = {}
        blob = self._entries_part()
        if blob is None:
            return
        try:
            entries = {}
            for line in blob.decode("utf-8").split("\n"):
                if not line:
                    continue
                if not (line.startswith("[[") and line.endswith("]")):
                    raise ValueError("bad line")
                head, end = _DECODER.raw_decode(line, 1)
                if line[end] != ",":
                    raise ValueError("bad line")
                display, stat, content, module, codes = head
                if stat is not None:
                    stat = (_i(stat[0]), _i(stat[1]))
                entries[_s(display)] = Entry(stat, _s(content), _s(module), _s(codes), line[end + 1:-1], line)
            self.entries = entries
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
            pass

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
        head = json.dumps({"stats": recorded, "findings": [encode_finding(f) for f in findings]}, separators=(",", ":"))
        lines = [head] + [f"[{json.dumps(d)},{names}]" for d, names in reads.items() if d in stats]
        entries = "".join(e.encode(display) + "\n" for display, e in self.entries.items() if display in stats)
        try:
            self.write_parts(("\n".join(lines) + "\n").encode("utf-8"), entries.encode("utf-8"))
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


def _header(line: bytes) -> Tuple[int, Tuple[str, str]]:
    """The first part's length and both parts' HMACs; raises ValueError."""
    data = json.loads(line.decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError("foreign cache")
    length, macs = data.get("linked"), data.get("macs")
    if type(length) is not int or length < 0 or type(macs) is not list or len(macs) != 2:
        raise ValueError("bad header")
    if not all(type(mac) is str and _MAC.fullmatch(mac) for mac in macs):
        raise ValueError("bad header")
    return length, (macs[0], macs[1])


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


# -- encoding results as JSON-ready lists --------------------------------------------------


def encode_finding(f: Finding) -> list:
    return [f.path, f.line, f.column, f.end_line, f.end_column, f.code, f.message, _fix(f.fix)]


def decode_finding(raw: list) -> Finding:
    path, line, column, end_line, end_column, code, message, fix = raw
    return Finding(_s(path), _i(line), _i(column), _i(end_line), _i(end_column), _s(code), _s(message), _unfix(fix))


class _Strings:
    """A file's strings, each stored once: qualified names repeat across facts and findings."""

    def __init__(self) -> None:
        self.table: List[str] = []
        self.index: Dict[str, int] = {}

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.table)
            self.table.append(value)
        return found


def encode_result(findings: Sequence[Finding], pending: Sequence[Pending], facts: Optional[FileFacts]) -> list:
    """One file's results as JSON-ready lists of integers, plus the table of its strings.

    Paths are not stored: every finding, pending finding and fact of a file carries its
    display path, which is the entry's key.
    """
    s = _Strings()
    return [
        s.table,
        [[f.line, f.column, f.end_line, f.end_column, s(f.code), s(f.message), _fix(f.fix, s)] for f in findings],
        [
            [s(p.code), s(p.callee), p.line, p.column, p.end_line, p.end_column, s(p.context), _fix(p.fix, s),
             p.call[0], p.call[1], s(p.call[2]), 1 if p.iterated else 0]
            for p in pending
        ],
        None if facts is None else _encode_facts(facts, s),
    ]


def decode_result(raw: Any, path: str) -> Tuple[List[Finding], List[Pending], Optional[FileFacts]]:
    """Raises CacheCorrupt on anything that is not what ``encode_result`` writes."""
    try:
        table, findings_raw, pending_raw, facts_raw = raw
        if type(table) is not list or not all(type(item) is str for item in table):
            raise TypeError("bad string table")
        t = _Table(table)
        findings = [
            Finding(path, _i(l), _i(c), _i(el), _i(ec), t[code], t[message], _unfix(fix, t))
            for l, c, el, ec, code, message, fix in findings_raw
        ]
        pending = [
            Pending(t[code], t[callee], path, _i(l), _i(c), _i(el), _i(ec), t[ctx], _unfix(fix, t), (_i(rank), _i(total), t[anchor]),
                    bool(_i(iterated)))
            for code, callee, l, c, el, ec, ctx, fix, rank, total, anchor, iterated in pending_raw
        ]
        facts = None if facts_raw is None else _decode_facts(facts_raw, t, path)
        return findings, pending, facts
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        raise CacheCorrupt(str(error)) from None


class _Table:
    __slots__ = ("table",)

    def __init__(self, table: List[str]) -> None:
        self.table = table

    def __getitem__(self, index: Any) -> str:
        if type(index) is not int or index < 0:
            raise TypeError("bad string index")
        return self.table[index]


def _encode_facts(facts: FileFacts, s: _Strings) -> list:
    functions = []
    for f in facts.functions.values():
        site = f.blocking
        blocking = None if site is None else [s(site.callee), s(site.code), site.line, site.call[0], site.call[1], s(site.call[2])]
        flags = (1 if f.is_async else 0) | (2 if f.is_generator else 0)
        functions.append([s(f.qualname), flags, [s(d) for d in f.decorators], [s(c) for c in f.calls], blocking])
    classes = [[s(k), [s(b) for b in v]] for k, v in facts.classes.items()]
    aliases = [[s(k), s(v)] for k, v in facts.aliases.items()]
    return [s(facts.module), functions, classes, aliases]


def _decode_facts(raw: list, t: _Table, path: str) -> FileFacts:
    module, functions_raw, classes, aliases = raw
    facts = FileFacts(t[module], path)
    for qualname, flags, decorators, calls, blocking in functions_raw:
        site = None
        if blocking is not None:
            callee, code, line, rank, total, anchor = blocking
            site = BlockingSite(t[callee], t[code], path, _i(line), (_i(rank), _i(total), t[anchor]))
        name = t[qualname]
        facts.functions[name] = FunctionFacts(
            name, bool(_i(flags) & 1), bool(flags & 2), tuple(t[d] for d in decorators), [t[c] for c in calls], site
        )
    facts.classes = {t[k]: tuple(t[b] for b in v) for k, v in classes}
    facts.aliases = {t[k]: t[v] for k, v in aliases}
    return facts


def _fix(fix: Optional[FixInfo], s: Optional[_Strings] = None) -> Optional[list]:
    if fix is None:
        return None
    return [fix.applicability, s(fix.message) if s is not None else fix.message]


def _unfix(raw: Any, t: Optional[_Table] = None) -> Optional[FixInfo]:
    if raw is None:
        return None
    applicability, message = raw
    if applicability not in ("safe", "unsafe"):
        raise ValueError("bad fix applicability")
    return FixInfo(applicability, t[message] if t is not None else _s(message))


def _s(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _i(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("expected an integer")
    return value
