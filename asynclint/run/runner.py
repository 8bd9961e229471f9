"""A whole run: check every discovered file, in parallel, and gather the findings.

Files are checked in worker processes (asynclint.run.workers), even in a serial run, so a file
that crashes the parser costs only itself. Workers receive settings once (their set-up) and
return plain findings, so results do not depend on how many processes ran them: the final
list is sorted.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from asynclint.source import DecodeProblem, ReadProblem, decode, file_limit, file_problem, read_file, read_text
from asynclint.engine.complexity import python_refusal
from asynclint.settings import Settings
from asynclint.run.cache import (
    Cache,
    CacheCorrupt,
    PreviousRun,
    Stat,
    codes_key,
    decode_names,
    decode_result,
    default_cache_dir,
    digest,
    encode_names,
    encode_result,
    fingerprint,
    open_cache,
    stat_of,
)
from asynclint.project.dependencies import changed_keys, link_recording, reading_any
from asynclint.run.discovery import SourceFile, module_name
from asynclint.project.facts import FileFacts, Pending
from asynclint.findings import Finding
from asynclint.project.index import LazyProjectIndex, ProjectIndex
from asynclint.project.link import link
from asynclint.project.positions import CallPositions, TextSource
from asynclint.run.prefilter import needs_parse
from asynclint.selection import PerFileIgnores, enabled_codes
from asynclint.run.workers import Budget, Failure, Pool, effective_memory

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 16


@dataclass
class RunOptions:
    """What a run needs besides settings: resolved codes and the degree of parallelism."""

    enabled: FrozenSet[str]
    jobs: int = 1
    cache: bool = False  # read and write the content cache
    # Return the last run's linked findings when no file changed; off when the caller
    # needs every file's results and the index (fixing).
    reuse_linked: bool = True


@dataclass
class FileResult:
    """What one file contributes to a run; plain data, so it pickles and caches."""

    findings: List[Finding] = field(default_factory=list)
    pending: List[Pending] = field(default_factory=list)
    facts: Optional[FileFacts] = None
    digest: str = ""  # of the bytes analysed, for the cache; empty if the file was not read
    encoded: str = ""  # the cache's JSON text of this result, written by the worker that made it


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    files_checked: int = 0
    results: List[FileResult] = field(default_factory=list)  # one per file, in the files' order
    index: Optional[ProjectIndex] = None


def options_for(settings: Settings, jobs: Optional[int] = None) -> RunOptions:
    enabled = enabled_codes(settings.select, settings.extend_select, settings.ignore)
    return RunOptions(enabled, jobs or os.cpu_count() or 1)


def is_package_file(path: Path) -> bool:
    return path.stem == "__init__"


def analyze_text(text: str, display: str, path: Path, settings: Settings, enabled: FrozenSet[str]) -> FileResult:
    """Phase one for one file: findings it holds alone, pending ones, and its index facts."""
    from asynclint.engine.analysis import analyze  # LibCST is imported only when a file is analysed

    name = module_name(path) or path.stem
    analysis = analyze(text, display, name, is_package_file(path), settings, enabled)
    return FileResult(analysis.findings, analysis.pending, analysis.facts)


def check_text(text: str, display: str, path: Path, settings: Settings, enabled: FrozenSet[str]) -> List[Finding]:
    """All findings for one file on its own (stdin, the flake8 plugin): it is its own project."""
    result = analyze_text(text, display, path, settings, enabled)
    return finish([result], {display: text}.get)


def check_source(source: SourceFile, settings: Settings, enabled: FrozenSet[str]) -> FileResult:
    """Read, decode and analyse one file; what cannot be read or decoded becomes AIO002."""
    if source.problem:  # a directory discovery could not list
        return _only_if(enabled, file_problem(source.display, "AIO002", source.problem))
    try:
        data = read_file(source.path, file_limit(settings))
    except ReadProblem as problem:
        return _only_if(enabled, file_problem(source.display, "AIO002", str(problem)))
    try:
        text = decode(data).text
    except DecodeProblem as error:
        result = _only_if(enabled, file_problem(source.display, "AIO002", f"cannot decode file: {error}"))
    else:
        if needs_parse(data) or not _compiles(text):
            result = analyze_text(text, source.display, source.path, settings, enabled)
        else:
            result = FileResult()
    result.digest = digest(data)
    return result


def _compiles(text: str) -> bool:
    """CPython's parser, to be sure a file skipped by the prefilter has no AIO001 to report."""
    return python_refusal(text, nesting_only=False) is None


def _only_if(enabled: FrozenSet[str], finding: Finding) -> FileResult:
    return FileResult([finding] if finding.code in enabled else [])


def finish(results: Sequence[FileResult], text_of: TextSource) -> List[Finding]:
    """Phase two: link every file's facts into the project index and confirm pending findings."""
    return link_results(results, build_index(results, text_of))


def build_index(results: Sequence[FileResult], text_of: TextSource) -> ProjectIndex:
    return ProjectIndex((r.facts for r in results if r.facts is not None), CallPositions(text_of))


def text_source(files: Sequence[SourceFile], changed: Optional[Dict[str, str]] = None, limit: int = 0) -> TextSource:
    """Reads a file's text by its display path, for locating findings confirmed at link time."""
    paths = {source.display: source.path for source in files}
    edited = changed or {}

    def text_of(display: str) -> Optional[str]:
        if display in edited:
            return edited[display]
        path = paths.get(display)
        return None if path is None else read_text(path, limit)

    return text_of


def link_results(results: Sequence[FileResult], index: ProjectIndex) -> List[Finding]:
    return _in_order(results, link([p for r in results for p in r.pending], index))


def _in_order(results: Iterable[FileResult], others: List[Finding]) -> List[Finding]:
    """The files' own findings and ``others``, sorted for reporting."""
    findings = [finding for r in results for finding in r.findings] + others
    findings.sort(key=Finding.sort_key)
    return findings


def enabled_for(settings: Settings, options: RunOptions) -> Callable[[SourceFile], FrozenSet[str]]:
    """The codes enabled for one file: the run's selection minus its per-file-ignores."""
    per_file = PerFileIgnores(settings.per_file_ignores, settings.project_root)
    return lambda source: options.enabled - per_file.ignored(source.path)


def recheck(
    files: Sequence[SourceFile], previous: RunResult, changed: Dict[str, str], settings: Settings, options: RunOptions
) -> RunResult:
    """Findings after some files' text changed (by fixes): only those files are analysed again."""
    codes_for = enabled_for(settings, options)
    results = list(previous.results)
    for i, source in enumerate(files):
        if source.display in changed:
            results[i] = analyze_text(changed[source.display], source.display, source.path, settings, codes_for(source))
    index = build_index(results, text_source(files, changed, file_limit(settings)))
    return RunResult(link_results(results, index), len(files), results, index)


# -- worker processes --------------------------------------------------------------------

_WORKER_STATE: dict = {}


def _init_worker(settings: Settings, enabled: FrozenSet[str], encode: bool = False) -> None:
    _WORKER_STATE["settings"] = settings
    _WORKER_STATE["enabled"] = enabled
    _WORKER_STATE["encode"] = encode
    _WORKER_STATE["per_file"] = PerFileIgnores(settings.per_file_ignores, settings.project_root)


def _check_in_worker(source: SourceFile) -> FileResult:
    per_file: PerFileIgnores = _WORKER_STATE["per_file"]
    enabled: FrozenSet[str] = _WORKER_STATE["enabled"] - per_file.ignored(source.path)
    result = check_source(source, _WORKER_STATE["settings"], enabled)
    if _WORKER_STATE["encode"] and result.digest:
        # Encoding for the cache here spares the main process, which links alone.
        result.encoded = encode_text(result)
    return result


def budget_of(settings: Settings) -> Budget:
    return Budget(settings.max_file_time, settings.max_file_memory)


def failure_finding(display: str, text: Optional[str], failure: Failure, budget: Budget) -> Finding:
    """The one finding for a file whose worker gave no result.

    Running out of time or memory is AIO002; a crash is AIO001 if CPython refuses the file
    too (then it is the file's syntax, not our parser), else AIO003.
    """
    if failure.kind == "timeout":
        return file_problem(display, "AIO002", f"too complex to analyse: took longer than {budget.seconds:g} s "
                                               "(the max-file-time setting)")
    if failure.kind == "memory":
        limit = effective_memory(budget)
        within = f" (limit {limit / 1_048_576:,.0f} MB)" if limit else ""
        return file_problem(display, "AIO002", f"too complex to analyse: ran out of memory{within}")
    if failure.kind == "crashed":
        refused = python_refusal(text, nesting_only=False) if text is not None else None
        if refused is not None:
            return file_problem(display, "AIO001", f"syntax error: {refused.message}", refused.line, refused.column)
        return file_problem(display, "AIO003", f"internal error: the parser crashed on this file ({failure.detail})")
    return file_problem(display, "AIO003", f"internal error: {failure.detail}")


def encode_text(result: FileResult) -> str:
    return json.dumps(encode_result(result.findings, result.pending, result.facts), separators=(",", ":"))


def run(
    files: Sequence[SourceFile],
    settings: Settings,
    options: RunOptions,
    progress: Optional[Callable[[int], None]] = None,
) -> RunResult:
    """Check ``files`` and return every finding, sorted by path, line and column.

    With the cache, files whose content is unchanged are not analysed again, and after an
    edit only the files whose findings can have moved are linked again (see
    ``_relink_changed``): the edited ones, and those whose linking looked up an index entry
    the edit changed. Without a usable record of the last run, every file's
    pending findings are linked against the whole index.
    """
    advance = progress or (lambda count: None)
    cache = _open_cache(settings, options)
    stats: Dict[str, Optional[Stat]] = {}
    if cache is not None:
        stats = {source.display: stat_of(source.path) for source in files}
        previous = cache.previous_run() if options.reuse_linked else None
        changed = previous.changed(stats) if previous is not None else None
        if previous is not None and changed is not None:
            try:
                if not changed:
                    findings = previous.findings()
                    advance(len(files))
                    return RunResult(findings, len(files), [], None)
                cache.load_entries()
                relinked = _relink_changed(files, changed, previous, cache, stats, settings, options)
            except CacheCorrupt:
                relinked = None
            if relinked is not None:
                advance(len(files))
                return relinked
        if not cache.entries:
            cache.load_entries()
    results: List[Optional[FileResult]] = [None] * len(files)
    keys: List[Tuple[str, str]] = []
    if cache is not None:
        codes_for = enabled_for(settings, options)
        for i, source in enumerate(files):
            key = _cache_key(source, codes_for)
            keys.append(key)
            results[i] = _from_cache(cache, source, key, stats.get(source.display), file_limit(settings))
        advance(sum(1 for r in results if r is not None))
    todo = [i for i, r in enumerate(results) if r is None]
    for i, result in zip(todo, _analyse([files[i] for i in todo], settings, options, advance)):
        results[i] = result
        if cache is not None:
            _store(cache, files[i], keys[i], stats, result)
    done = [r for r in results if r is not None]
    index = build_index(done, text_source(files, limit=file_limit(settings)))
    if cache is None:
        return RunResult(link_results(done, index), len(files), done, index)
    pending = {source.display: result.pending for source, result in zip(files, done)}
    linked, reads = link_recording(pending, index)
    findings = _in_order(done, linked)
    cache.save(stats, findings, {display: encode_names(names) for display, names in reads.items()})
    return RunResult(findings, len(files), done, index)


# Codes whose message cites a place in another file (the blocking call a helper makes):
# when that file changes, the finding stands but its message is written again.
_CITING = frozenset({"AIO110"})


def _relink_changed(
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
    todo: List[Tuple[SourceFile, Tuple[str, str]]] = []
    for display in changed:
        source = files[place[display]]
        key = _cache_key(source, codes_for)
        entry = cache.entries.get(display)
        if entry is None or (entry.module, entry.codes) != key:
            return None
        if _from_cache(cache, source, key, stats.get(display), file_limit(settings)) is None:
            todo.append((source, key))
    edited: Dict[str, FileResult] = {}
    moved: Set[str] = set()  # index entries the edit added, removed or changed
    analysed = _analyse([source for source, _ in todo], settings, options, lambda count: None)
    for (source, key), result in zip(todo, analysed):
        before = decode_result(cache.entries[source.display].result(), source.display)[2]
        moved |= changed_keys(before, result.facts)
        _store(cache, source, key, stats, result)
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
            found = known[display] = _cached_result(cache, display)
        return found

    results = {display: result_of(display) for display in sorted(again)}
    index = LazyProjectIndex(_facts_loader(files, place, cache, result_of), CallPositions(text_source(files, limit=file_limit(settings))))
    linked, read = link_recording({d: r.pending for d, r in results.items()}, index)
    findings = _in_order(results.values(), linked + [f for f in old if f.path not in again])
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


def _cached_result(cache: Cache, display: str) -> FileResult:
    entry = cache.entries[display]
    findings, pending, facts = decode_result(entry.result(), display)
    return FileResult(findings, pending, facts, entry.digest)


def _cache_key(source: SourceFile, codes_for: Callable[[SourceFile], FrozenSet[str]]) -> Tuple[str, str]:
    return (module_name(source.path) or source.path.stem, codes_key(codes_for(source)))


def _store(cache: Cache, source: SourceFile, key: Tuple[str, str], stats: Dict[str, Optional[Stat]], result: FileResult) -> None:
    if result.digest:
        text = result.encoded or encode_text(result)
        cache.store(source.display, key[0], key[1], stats.get(source.display), result.digest, text)
    else:  # nothing to keep (the file ran out of time, say): the next run checks it again
        stats[source.display] = None


def _open_cache(settings: Settings, options: RunOptions) -> Optional[Cache]:
    if not options.cache:
        return None
    return open_cache(default_cache_dir(settings), fingerprint(settings, options.enabled))


def _from_cache(
    cache: Cache, source: SourceFile, key: Tuple[str, str], stat: Optional[Stat], limit: int
) -> Optional[FileResult]:
    entry = cache.lookup(source.display, key[0], key[1], stat, None)
    if entry is None and source.display in cache.entries:
        try:
            content = digest(read_file(source.path, limit))
        except ReadProblem:  # check_source says why
            return None
        entry = cache.lookup(source.display, key[0], key[1], stat, content)
    if entry is None:
        return None
    try:
        findings, pending, facts = decode_result(entry.result(), source.display)
    except CacheCorrupt:
        return None
    return FileResult(findings, pending, facts, entry.digest)


def _analyse(
    files: Sequence[SourceFile], settings: Settings, options: RunOptions, advance: Callable[[int], None]
) -> List[FileResult]:
    """Every file checked in a worker process, even in a serial run: a file that kills its
    worker or exceeds its budget is one finding, and the others' results are kept."""
    if not files:
        return []
    jobs = options.jobs if len(files) >= _PARALLEL_THRESHOLD else 1
    budget = budget_of(settings)
    codes_for = enabled_for(settings, options)
    results: List[FileResult] = [FileResult()] * len(files)
    setup = (_init_worker, (settings, options.enabled, options.cache))
    with Pool(min(jobs, len(files)), budget, setup) as pool:
        for index, result, failure in pool.map(lambda source: (_check_in_worker, (source,)), files):
            if failure is not None:
                result = _failed(files[index], failure, budget, codes_for(files[index]))
            results[index] = result
            advance(1)
    return results


def _failed(source: SourceFile, failure: Failure, budget: Budget, enabled: FrozenSet[str]) -> FileResult:
    """A crash is cached like any result (the same bytes crash again); running out of time
    or memory is not, since a less busy machine or a higher limit may well succeed."""
    try:
        data = source.path.read_bytes()
        text: Optional[str] = decode(data).text
    except (OSError, DecodeProblem):
        data, text = b"", None
    result = _only_if(enabled, failure_finding(source.display, text, failure, budget))
    if data and failure.kind not in ("timeout", "memory"):
        result.digest = digest(data)
    return result
