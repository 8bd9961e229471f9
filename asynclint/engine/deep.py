"""Room to recurse through trees deeper than Python's default limit allows.

Long chains are deep trees: ``a and b and ...`` with 5,000 terms nests 5,000
BooleanOperations, and 3,000 chained ``.m()`` calls nest 6,000 nodes. The walker, code
generation, LibCST's visitors and CPython's ``ast`` all recurse through them. Raising the
recursion limit on the main thread's stack (8 MB on Linux, 1 MB on Windows) can crash the
interpreter instead of raising RecursionError, so the deep retry runs in a thread whose
stack is sized for the limit it sets. Normal code never gets here: it runs as before, and
only what ran out of recursion is run again.
"""
from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Dict, TypeVar

T = TypeVar("T")

# CPython 3.9 and 3.10 use about 330 bytes of C stack per Python frame (measured with
# LibCST's visitors and code generation); 3.11+ use less. A kilobyte per frame of the limit
# leaves three times that. Only touched pages of a thread's stack take memory.
_STACK_BYTES = 256 * 1024 * 1024
_LIMIT = _STACK_BYTES // 1024

_SIZE_LOCK = threading.Lock()
_state = threading.local()


def active() -> bool:
    """True inside a deep run: a RecursionError there is final, not a reason to retry."""
    return getattr(_state, "deep", False)


def retried(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, run again with room for deep trees if it runs out of recursion.

    ``fn`` must not have side effects that a second run would repeat. A RecursionError of
    the second run (or of a first run that was already deep) propagates.
    """
    if active():
        return fn(*args)
    try:
        return fn(*args)
    except RecursionError:
        pass
    return deeply(fn, *args)


def deeply(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a thread with a big stack and a recursion limit to match."""
    if active():
        return fn(*args)
    box: Dict[str, Any] = {}

    def run() -> None:
        _state.deep = True
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, _LIMIT))
        try:
            box["result"] = fn(*args)
        except BaseException as error:  # handed to the caller's thread as it is
            box["error"] = error
        finally:
            sys.setrecursionlimit(old)

    try:
        thread = _started(run)
    except (RuntimeError, ValueError, MemoryError, OverflowError):
        # No thread with such a stack on this system: the caller's own limit was all there is.
        raise RecursionError("maximum recursion depth exceeded (no thread with a larger stack could start)") from None
    thread.join()
    if "error" in box:
        raise box.pop("error")  # popped: the box must not keep the traceback (and its frames) alive
    return box["result"]  # type: ignore[no-any-return]


def _started(run: Callable[[], None]) -> threading.Thread:
    # The stack size applies to threads started while it is set: set it for this one only.
    with _SIZE_LOCK:
        previous = threading.stack_size()
        threading.stack_size(_STACK_BYTES)
        try:
            thread = threading.Thread(target=run, name="asynclint-deep", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread
