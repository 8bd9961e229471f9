"""Phase one of a run: every file analysed in a worker process, and the failures accounted for.

Files are checked in worker processes (``workers``), even in a serial run, so a file that
crashes the parser, runs out of time or exhausts its memory costs only itself: it becomes
one finding and the other files' results are kept. Workers receive the settings once (their
set-up) and return plain results, so results do not depend on how many processes ran them.
"""
from __future__ import annotations

from typing import Callable, FrozenSet, List, Optional, Sequence

from asynclint.engine.complexity import python_refusal
from asynclint.findings import Finding
from asynclint.run.cache import digest
from asynclint.run.cached_results import encode_text
from asynclint.run.check_file import check_source, only_if
from asynclint.run.discovery import SourceFile
from asynclint.run.options import RunOptions, enabled_for
from asynclint.run.results import FileResult
from asynclint.run.workers import Budget, Failure, Pool, Task, effective_memory
from asynclint.source import DecodeProblem, decode, file_problem
from asynclint.settings import Settings

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 16

_WORKER_STATE: dict = {}


def _init_worker(settings: Settings, options: RunOptions) -> None:
    _WORKER_STATE["settings"] = settings
    _WORKER_STATE["codes_for"] = enabled_for(settings, options)
    _WORKER_STATE["encode"] = options.cache


def _check_in_worker(source: SourceFile) -> FileResult:
    result = check_source(source, _WORKER_STATE["settings"], _WORKER_STATE["codes_for"](source))
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


def analyse(
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
    setup = Task(_init_worker, (settings, options))
    with Pool(min(jobs, len(files)), budget, setup) as pool:
        for index, result, failure in pool.map(lambda source: Task(_check_in_worker, (source,)), files):
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
    result = only_if(enabled, failure_finding(source.display, text, failure, budget))
    if data and failure.kind not in ("timeout", "memory"):
        result.digest = digest(data)
    return result
