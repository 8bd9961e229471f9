"""A run after some files were edited: re-link only the files whose findings can have moved.

The last run's linked findings stand for every file the edit cannot reach. The edited files
are analysed and linked again; so are the files whose linking looked up an index entry the
edit added, removed or changed, and the files whose messages cite a line in an edited file.
Cached facts are decoded only as linking reaches them, so an edit in a large project costs
the files that use what changed, not the whole project.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from asynclint.project.dependencies import changed_keys, link_recording, reading_any
from asynclint.project.facts import FileFacts
from asynclint.project.index import LazyProjectIndex
from asynclint.project.positions import CallPositions
from asynclint.run.analysis_phase import analyse
from asynclint.run.cache import Cache
from asynclint.run.cache_records import PreviousRun, Stat, decode_names, encode_names
from asynclint.run.cached_results import EntryKey, cached_result, entry_key, from_cache, store
from asynclint.run.discovery import SourceFile
from asynclint.run.link_phase import in_order, text_source
from asynclint.run.options import RunOptions, enabled_for
from asynclint.run.result_codec import decode_result
from asynclint.run.results import FileResult, RunResult
from asynclint.source import file_limit
from asynclint.settings import Settings

# Codes whose message cites a place in another file (the blocking call a helper makes):
# when that file changes, the finding stands but its message is written again.
_CITING = frozenset({"AIO110"})


def relink_changed(
    files: Sequence[SourceFile],
    changed: Sequence[str],
    previous: PreviousRun,
    cache: Cache,
    stats: Dict[str, Optional[Stat]],
    settings: Settings,
    options: RunOptions,
) -> Optional[RunResult]:
    """The findings after ``changed`` files were edited, linking only what can have moved.

    The edited files are analysed and linked again, against an index that decodes cached
    facts as linking reaches them. So are the files whose linking looked up an index entry
    the edit changed, and the files whose messages cite another file's lines; every other
    file's findings stand. Saves the cache. Returns None when the cache lacks an entry,
    and the caller links the whole project.
    Raises CacheCorrupt if a cached entry it needs does not decode.
    """
    place = {source.display: i for i, source in enumerate(files)}
    codes_for = enabled_for(settings, options)
    todo: List[Tuple[SourceFile, EntryKey]] = []
    for display in changed:
        source = files[place[display]]
        key = entry_key(source, codes_for)
        entry = cache.entries.get(display)
        if entry is None or (entry.module, entry.codes) != key:
            return None
        if from_cache(cache, source, key, stats.get(display), file_limit(settings)) is None:
            todo.append((source, key))
    edited: Dict[str, FileResult] = {}
    moved: Set[str] = set()  # index entries the edit added, removed or changed
    analysed = analyse([source for source, _ in todo], settings, options, lambda count: None)
    for (source, key), result in zip(todo, analysed):
        before = decode_result(cache.entries[source.display].result(), source.display).facts
        moved |= changed_keys(before, result.facts)
        store(cache, source, key, stats, result)
        edited[source.display] = result
    old = previous.findings()
    reads = previous.reads()
    if not edited:  # only stats moved: the content is what the last run saw
        cache.save(stats, old, reads)
        return RunResult(old, len(files), [], None)
    again = set(edited)
    if moved:
        again |= reading_any(dict(zip(reads, decode_names(reads.values()))), moved)
    if any(_has_blocking_site(result) for result in edited.values()):
        again |= {f.path for f in old if f.code in _CITING and f.path in place}
    known: Dict[str, FileResult] = dict(edited)

    def result_of(display: str) -> FileResult:
        """Each entry is decoded once, whether linking or the index asks for it first."""
        found = known.get(display)
        if found is None:
            found = known[display] = cached_result(cache, display)
        return found

    results = {display: result_of(display) for display in sorted(again)}
    index = LazyProjectIndex(_facts_loader(files, place, cache, result_of), CallPositions(text_source(files, limit=file_limit(settings))))
    linked, read = link_recording({d: r.pending for d, r in results.items()}, index)
    findings = in_order(results.values(), linked + [f for f in old if f.path not in again])
    for display in again:
        reads.pop(display, None)
    reads.update((display, encode_names(names)) for display, names in read.items())
    cache.save(stats, findings, reads)
    return RunResult(findings, len(files), [], None)


def _has_blocking_site(result: FileResult) -> bool:
    """Only a file whose functions make a blocking call can be cited by another's message."""
    return result.facts is not None and any(f.blocking is not None for f in result.facts.functions.values())


def _facts_loader(
    files: Sequence[SourceFile], place: Dict[str, int], cache: Cache, result_of: Callable[[str], FileResult]
) -> Callable[[str], List[Tuple[int, FileFacts]]]:
    by_module: Dict[str, List[str]] = {}
    for display, entry in cache.entries.items():
        if display in place:
            by_module.setdefault(entry.module, []).append(display)

    def load(module: str) -> List[Tuple[int, FileFacts]]:
        out = []
        for display in sorted(by_module.get(module, ()), key=place.__getitem__):
            result = result_of(display)
            if result.facts is not None:
                out.append((place[display], result.facts))
        return out

    return load
