"""A whole run: check every discovered file, in parallel, and gather the findings.

The run goes in phases, each in its own module: the options (``options``), the analysis
of each file in worker processes (``analysis_phase``), the link phase (``link_phase``), and
with the cache, reuse of unchanged files' results (``cached_results``) and re-linking after
an edit (``incremental``). The final list is sorted, so results do not depend on how many
processes ran them. ``recheck`` is the fix phase's: findings again after fixes.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from asynclint.project.dependencies import link_recording
from asynclint.run.analysis_phase import analyse
from asynclint.run.cache import stat_of
from asynclint.run.cache_records import Stat, encode_names
from asynclint.run.cached_results import EntryKey, entry_key, from_cache, open_run_cache, store
from asynclint.run.check_file import analyze_text
from asynclint.run.discovery import SourceFile
from asynclint.run.incremental import relink_changed
from asynclint.run.link_phase import build_index, in_order, link_results, text_source
from asynclint.run.options import RunOptions, enabled_for
from asynclint.run.result_codec import CacheCorrupt
from asynclint.run.results import FileResult, RunResult
from asynclint.source import file_limit
from asynclint.settings import Settings



def run(
    files: Sequence[SourceFile],
    settings: Settings,
    options: RunOptions,
    progress: Optional[Callable[[int], None]] = None,
) -> RunResult:
    """Check ``files`` and return every finding, sorted by path, line and column.

    With the cache, files whose content is unchanged are not analysed again, and after an
    edit only the files whose findings can have moved are linked again (see
    ``relink_changed``): the edited ones, and those whose linking looked up an index entry
    the edit changed. Without a usable record of the last run, every file's
    pending findings are linked against the whole index.
    """
    advance = progress or (lambda count: None)
    cache = open_run_cache(settings, options)
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
                relinked = relink_changed(files, changed, previous, cache, stats, settings, options)
            except CacheCorrupt:
                relinked = None
            if relinked is not None:
                advance(len(files))
                return relinked
        if not cache.entries:
            cache.load_entries()
    results: List[Optional[FileResult]] = [None] * len(files)
    keys: List[EntryKey] = []
    if cache is not None:
        codes_for = enabled_for(settings, options)
        for i, source in enumerate(files):
            key = entry_key(source, codes_for)
            keys.append(key)
            results[i] = from_cache(cache, source, key, stats.get(source.display), file_limit(settings))
        advance(sum(1 for r in results if r is not None))
    todo = [i for i, r in enumerate(results) if r is None]
    for i, result in zip(todo, analyse([files[i] for i in todo], settings, options, advance)):
        results[i] = result
        if cache is not None:
            store(cache, files[i], keys[i], stats, result)
    done = [r for r in results if r is not None]
    index = build_index(done, text_source(files, limit=file_limit(settings)))
    if cache is None:
        return RunResult(link_results(done, index), len(files), done, index)
    pending = {source.display: result.pending for source, result in zip(files, done)}
    linked, reads = link_recording(pending, index)
    findings = in_order(done, linked)
    cache.save(stats, findings, {display: encode_names(names) for display, names in reads.items()})
    return RunResult(findings, len(files), done, index)


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
