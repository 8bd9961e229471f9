"""The registry of every finding code asynclint can emit.

This is data: checks, configuration validation, selection, documentation tests and
``--list-rules`` all read it, so a code exists in exactly one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Set


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    default: bool = True
    fix: Optional[str] = None  # "safe", "unsafe", or None when no fix exists


_RULES = [
    RuleInfo("AIO001", "syntax-error", "file does not parse"),
    RuleInfo("AIO002", "unreadable-file", "file cannot be read or decoded"),
    RuleInfo("AIO003", "internal-error", "a rule raised an unexpected exception"),
    RuleInfo("AIO100", "blocking-sleep", "time.sleep inside async def", fix="unsafe"),
    RuleInfo("AIO101", "blocking-network", "blocking network or HTTP call inside async def", fix="unsafe"),
    RuleInfo("AIO102", "blocking-subprocess", "blocking process call inside async def", fix="unsafe"),
    RuleInfo("AIO103", "blocking-file-io", "blocking file I/O inside async def", fix="unsafe"),
    RuleInfo("AIO104", "blocking-filesystem", "blocking filesystem metadata call inside async def", fix="unsafe"),
    RuleInfo("AIO105", "blocking-input", "console input inside async def", fix="unsafe"),
    RuleInfo("AIO106", "blocking-database", "sync database or cache client inside async def", fix="unsafe"),
    RuleInfo("AIO107", "blocking-thread-wait", "blocking wait on a thread primitive inside async def"),
    RuleInfo("AIO108", "nested-event-loop", "nested event loop inside async def", fix="unsafe"),
    RuleInfo("AIO109", "blocking-configured", "call listed in the blocking-calls setting inside async def", fix="unsafe"),
    RuleInfo("AIO110", "blocking-project-call", "call to a project function that blocks, inside async def"),
    RuleInfo("AIO200", "coroutine-not-awaited", "coroutine created and never awaited", fix="unsafe"),
    RuleInfo("AIO201", "async-without-await", "async def that never awaits", default=False),
    RuleInfo("AIO202", "coroutine-as-condition", "coroutine used as a condition", fix="unsafe"),
    RuleInfo("AIO300", "task-dropped", "task from create_task/ensure_future dropped", fix="unsafe"),
    RuleInfo("AIO301", "task-unused", "task bound to a name that is never used again"),
    RuleInfo("AIO400", "infinite-loop-no-yield", "infinite loop with no yield point in async def", fix="unsafe"),
    RuleInfo("AIO401", "cpu-loop-no-yield", "CPU-bound loop with no yield point in async def", fix="unsafe", default=False),
    RuleInfo("AIO500", "cancellation-swallowed", "handler that swallows CancelledError in async def", default=False),
    RuleInfo("AIO501", "get-event-loop-in-coroutine", "asyncio.get_event_loop() inside a coroutine", fix="safe"),
]

RULES: Dict[str, RuleInfo] = {rule.code: rule for rule in _RULES}

# Problems with the file itself, reported whatever the selection says unless ignored by name.
FILE_ERROR_CODES = frozenset({"AIO001", "AIO002", "AIO003"})


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
