"""A run's files in and out of the cache: which entry is a file's, and its result as text.

An entry is a file's only while the file's module name and enabled codes are the ones it
was made with (``EntryKey``), and while its stat is trusted or its content hash matches;
anything that does not decode is analysed again rather than trusted.
"""
from __future__ import annotations

import json
from typing import Callable, Dict, FrozenSet, NamedTuple, Optional

from asynclint.run.cache import Cache, codes_key, default_cache_dir, digest, fingerprint, open_cache
from asynclint.run.cache_records import Entry, Stat
from asynclint.run.discovery import SourceFile, module_name
from asynclint.run.options import RunOptions
from asynclint.run.result_codec import CacheCorrupt, decode_result, encode_result
from asynclint.run.results import FileResult
from asynclint.source import ReadProblem, read_file
from asynclint.settings import Settings


class EntryKey(NamedTuple):
    """Besides the content, what a file's cached entry must match to be its own."""

    module: str
    codes: str


def entry_key(source: SourceFile, codes_for: Callable[[SourceFile], FrozenSet[str]]) -> EntryKey:
    return EntryKey(module_name(source.path) or source.path.stem, codes_key(codes_for(source)))


def open_run_cache(settings: Settings, options: RunOptions) -> Optional[Cache]:
    if not options.cache:
        return None
    return open_cache(default_cache_dir(settings), fingerprint(settings, options.enabled))


def encode_text(result: FileResult) -> str:
    return json.dumps(encode_result(result.findings, result.pending, result.facts), separators=(",", ":"))


def store(cache: Cache, source: SourceFile, key: EntryKey, stats: Dict[str, Optional[Stat]], result: FileResult) -> None:
    if result.digest:
        text = result.encoded or encode_text(result)
        cache.store(source.display, key.module, key.codes, stats.get(source.display), result.digest, text)
    else:  # nothing to keep (the file ran out of time, say): the next run checks it again
        stats[source.display] = None


def from_cache(cache: Cache, source: SourceFile, key: EntryKey, stat: Optional[Stat], limit: int) -> Optional[FileResult]:
    """The file's cached result, hashing its content only when its stat is not trusted;
    None if it has none or it does not decode."""
    entry = cache.lookup(source.display, key.module, key.codes, stat, None)
    if entry is None and source.display in cache.entries:
        try:
            content = digest(read_file(source.path, limit))
        except ReadProblem:  # check_source says why
            return None
        entry = cache.lookup(source.display, key.module, key.codes, stat, content)
    if entry is None:
        return None
    try:
        return _decoded(entry, source.display)
    except CacheCorrupt:
        return None


def cached_result(cache: Cache, display: str) -> FileResult:
    """Raises CacheCorrupt if the entry does not decode."""
    return _decoded(cache.entries[display], display)


def _decoded(entry: Entry, display: str) -> FileResult:
    findings, pending, facts = decode_result(entry.result(), display)
    return FileResult(findings, pending, facts, entry.digest)
