"""The worker process's side: set up once, then answer tasks until the run closes the pipe.

This is all a worker runs besides its tasks, and it must outlive them: a task that raises
is an answer, never the worker's end, and stray output from a task cannot corrupt the
answers. Its memory limit is set here, in the worker, so only the worker is bounded.
"""
from __future__ import annotations

import os
import pickle

from asynclint.run.pipe import Message, read_frame, send_message, write_frame

try:
    import resource
except ImportError:  # Windows: no address-space limit, the time budget still applies
    resource = None  # type: ignore[assignment]


def serve(memory: int) -> None:
    """A worker's life: run the setup, then take tasks from standard input until it
    closes, answering each on standard output. Stray output from a task cannot corrupt the
    answers: the pipes move to private descriptors, the standard ones to the error file."""
    tasks = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    setup = read_frame(tasks)  # read at once: the parent waits until it is written
    _limit_memory(memory)
    import asynclint.engine.analysis  # noqa: F401 (LibCST: loaded before the first file's clock starts)

    try:
        task = pickle.loads(setup) if setup is not None else None
        if task is not None:
            task[0](*task[1])
    except Exception as error:
        send_message(answers, Message("failed", f"{type(error).__name__}: {error}"))
        return
    _tune_collector()
    send_message(answers, Message("ready"))
    while True:
        body = read_frame(tasks)
        if body is None:
            return
        write_frame(answers, _answer(body))


def _answer(body: bytes) -> bytes:
    """A task's outcome as a message; never raises, so the worker outlives its tasks."""
    try:
        function, args = pickle.loads(body)
        return pickle.dumps(Message("ok", function(*args)), pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(Message("memory"))
    except RecursionError:
        return pickle.dumps(Message("error", "RecursionError"))
    except Exception as error:
        return pickle.dumps(Message("error", f"{type(error).__name__}: {error}"))


def _limit_memory(memory: int) -> None:
    if resource is None or memory <= 0:
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory = min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    except (ValueError, OSError):
        pass


# Cycle-collector thresholds for workers. Analysis leaves no reference cycles (a test holds
# it to that), so a file's tree is freed by reference counting when it is done and
# collections only ever rescan live trees. Rarer young collections and few full ones halve
# what the collector costs a worker (2.5 s -> 1.2 s on Home Assistant); cycles that do
# appear are still collected, only later.
_WORKER_GC_THRESHOLDS = (2000, 10, 1000)


def _tune_collector() -> None:
    """What start-up left (modules, the settings) is moved out of the collector's sight:
    every full collection would otherwise scan it again, and none of it becomes garbage."""
    import gc

    gc.freeze()
    gc.set_threshold(*_WORKER_GC_THRESHOLDS)
