"""The registry of every finding code asynclint can emit.

This is data: checks, configuration validation, selection, documentation tests and
``--list-rules`` all read it, so a code exists in exactly one place. Each row also names
the check that reports the code (the registry of checks is derived from it) and, for a
finding the project index must confirm, the function that confirms it. They are named
by dotted strings, so reading the table imports neither the checks nor LibCST.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional, Set


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    default: bool = True
    fix: Optional[str] = None  # "safe", "unsafe", or None when no fix exists
    check: Optional[str] = None  # "module:Class" of the check that reports it; None for file problems
    # "module:function" turning a deferred finding into its message once the project index
    # confirms it (None if it does not); in a module free of LibCST, as linking runs without it.
    confirm: Optional[str] = None


_BLOCKING = "asynclint.checks.blocking.calls:BlockingCalls"
_HELPERS = "asynclint.checks.blocking.helpers:BlockingHelperCalls"
_CONFIRM_HELPER = "asynclint.checks.blocking:confirm_blocking_helper"
_COROUTINES = "asynclint.checks.coroutines.check:CoroutineCalls"
_CONFIRM_COROUTINE = "asynclint.checks.coroutines:confirm_coroutine_call"
_TASKS = "asynclint.checks.tasks:DroppedTasks"
_LOOPS = "asynclint.checks.loops:BusyLoops"
_CANCELLATION = "asynclint.checks.cancellation:Cancellation"


_RULES = [
    RuleInfo("AIO001", "syntax-error", "file does not parse"),
    RuleInfo("AIO002", "unreadable-file", "file cannot be read or decoded"),
    RuleInfo("AIO003", "internal-error", "a rule raised an unexpected exception"),
    RuleInfo("AIO100", "blocking-sleep", "time.sleep inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO101", "blocking-network", "blocking network or HTTP call inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO102", "blocking-subprocess", "blocking process call inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO103", "blocking-file-io", "blocking file I/O inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO104", "blocking-filesystem", "blocking filesystem metadata call inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO105", "blocking-input", "console input inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO106", "blocking-database", "sync database or cache client inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO107", "blocking-thread-wait", "blocking wait on a thread primitive inside async def", check=_BLOCKING),
    RuleInfo("AIO108", "nested-event-loop", "nested event loop inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO109", "blocking-configured", "call listed in the blocking-calls setting inside async def", fix="unsafe", check=_BLOCKING),
    RuleInfo("AIO110", "blocking-project-call", "call to a project function that blocks, inside async def", check=_HELPERS, confirm=_CONFIRM_HELPER),
    RuleInfo("AIO200", "coroutine-not-awaited", "coroutine created and never awaited", fix="unsafe", check=_COROUTINES, confirm=_CONFIRM_COROUTINE),
    RuleInfo("AIO201", "async-without-await", "async def that never awaits", default=False, check=_COROUTINES),
    RuleInfo("AIO202", "coroutine-as-condition", "coroutine used as a condition", fix="unsafe", check=_COROUTINES, confirm=_CONFIRM_COROUTINE),
    RuleInfo("AIO300", "task-dropped", "task from create_task/ensure_future dropped", fix="unsafe", check=_TASKS),
    RuleInfo("AIO301", "task-unused", "task bound to a name that is never used again", check=_TASKS),
    RuleInfo("AIO400", "infinite-loop-no-yield", "infinite loop with no yield point in async def", fix="unsafe", check=_LOOPS),
    RuleInfo("AIO401", "cpu-loop-no-yield", "CPU-bound loop with no yield point in async def", fix="unsafe", default=False, check=_LOOPS),
    RuleInfo("AIO500", "cancellation-swallowed", "handler that swallows CancelledError in async def", default=False, check=_CANCELLATION),
    RuleInfo("AIO501", "get-event-loop-in-coroutine", "asyncio.get_event_loop() inside a coroutine", fix="safe", check=_CANCELLATION),
]

RULES: Dict[str, RuleInfo] = {rule.code: rule for rule in _RULES}

# Problems with the file itself, reported whatever the selection says unless ignored by name.
FILE_ERROR_CODES = frozenset({"AIO001", "AIO002", "AIO003"})


def load(reference: str) -> Any:
    """What a ``module:name`` reference in the table names, importing its module."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def default_codes() -> Set[str]:
    return {code for code, rule in RULES.items() if rule.default}


def is_known_selector(selector: str) -> bool:
    """A selector is ``ALL``, ``AIO`` or a prefix of at least one registered code."""
    if selector in ("ALL", "AIO"):
        return True
    return any(code.startswith(selector) for code in RULES)


def expand(selectors: Iterable[str]) -> Set[str]:
    """Every registered code matched by any of the selectors."""
    out: Set[str] = set()
    for selector in selectors:
        if selector in ("ALL", "AIO"):
            out |= set(RULES)
        else:
            out |= {code for code in RULES if code.startswith(selector)}
    return out
