"""Child processes that do the parsing, so a file that crashes or exhausts one costs only itself.

LibCST's parser is native code: some valid files overflow its stack and kill the process,
others take minutes or gigabytes. So every parse happens in a child process that can die
alone, whatever the caller (a serial or parallel run, standard input, the flake8 plugin):

* Workers are persistent, one per job, and take one file at a time (with the next one already
  queued), so a worker that dies was working on exactly one known file. Only that file is
  lost; a fresh worker replaces the dead one and the run goes on at full speed.
* Each task has a time budget, enforced by the parent (it kills the worker), and each worker
  a limit on its address space (``RLIMIT_AS``, where the platform has it), so a file that
  explodes ends as a failure for that file, never an exhausted machine.
* Workers are started with ``subprocess`` rather than ``multiprocessing``: flake8 runs plugins
  in daemonic pool processes, which ``multiprocessing`` forbids to have children. A worker's
  standard error goes to a temporary file, so a native crash (a Rust panic or backtrace) never
  reaches the user's terminal; its tail only tells an allocation failure from a crash.
* Messages are pickles over the worker's standard input and output (``pipe``): both ends
  are this package, in processes it started. What a worker runs is in ``worker_main``.

This module is the parent's side: the pool, each worker's budget, and why a worker died.
"""
from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Callable, Deque, Dict, Iterator, List, NamedTuple, Optional, Sequence

from asynclint.run.pipe import Message, Task, read_frame, send_message

try:
    import resource
except ImportError:  # Windows: no address-space limit, the time budget still applies
    resource = None  # type: ignore[assignment]

# Tasks a worker holds at once: the one it works on and the next, so it never waits for
# the parent between files; a death is still the first one's.
_IN_FLIGHT = 2
# How long a worker may take to start (interpreter, LibCST import) before the run gives up.
_START_SECONDS = 120.0
# What an allocation failure leaves on a worker's standard error: Rust's abort message,
# or a MemoryError that escaped while the worker was not running a task.
_OUT_OF_MEMORY = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory", b"out of memory")
# The parent's sys.path, so the worker imports the same asynclint (and LibCST) as it does.
_BOOT = "import sys, json; sys.path[:] = json.loads(sys.argv[1]); from asynclint.run.worker_main import serve; serve(int(sys.argv[2]))"


@dataclass(frozen=True)
class Budget:
    """What one file may cost a worker."""

    seconds: float  # wall time per task
    memory: int  # bytes of address space for the worker; 0 for no limit


@dataclass(frozen=True)
class Failure:
    """Why a task produced no result: ``crashed``, ``timeout``, ``memory`` or ``error``."""

    kind: str
    detail: str = ""  # the signal or exit status of a crash, the exception of an error
    last_words: str = ""  # the last line the worker wrote to its standard error


class WorkerStartError(Exception):
    """A worker died before it could take any task: nothing any file did, so the run stops."""


class Outcome(NamedTuple):
    """What became of one item: its result, or why there is none."""

    index: int
    result: Any
    failure: Optional[Failure]


class Answer(NamedTuple):
    """What became of a single task."""

    result: Any
    failure: Optional[Failure]


class Event(NamedTuple):
    """A message from a worker, forwarded by its reader thread; ``body`` None: it is gone."""

    worker: "Worker"
    body: Optional[bytes]


class Queued(NamedTuple):
    """An item waiting for a worker or held by one, with its place in the caller's list."""

    index: int
    item: Any


class Worker:
    """One child process, its pipes, and the tasks it holds (oldest first)."""

    def __init__(self, budget: Budget, setup: Optional[Task], events: "queue.Queue[Event]") -> None:
        self.budget = budget
        self.events = events
        self.errors: IO[bytes] = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps([str(p) for p in sys.path]), str(effective_memory(budget))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors,
                env=_worker_environment(), close_fds=True,
            )
        except OSError as error:
            self.errors.close()
            raise WorkerStartError(f"cannot start the analysis process: {error.strerror or error}") from None
        self.held: Deque[Queued] = deque()  # the tasks sent
        self.ready = False
        self.since = time.monotonic()  # when its oldest task started (or it was started)
        self.retired = False
        threading.Thread(target=self._read, daemon=True).start()
        try:
            send_message(self.process.stdin, setup)
        except (OSError, ValueError):
            pass  # it died already: its reader reports that

    def _read(self) -> None:
        """Forward each message to the pool's queue; None when the worker is gone."""
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                body = read_frame(stream)
                if body is None:
                    break
                self.events.put(Event(self, body))
        except (OSError, ValueError):
            pass
        self.events.put(Event(self, None))

    def send(self, queued: Queued, task: Task) -> bool:
        """False if the worker is gone (its pipe is closed)."""
        try:
            send_message(self.process.stdin, task)
        except (OSError, ValueError):
            return False
        if not self.held:
            self.since = time.monotonic()
        self.held.append(queued)
        return True

    def deadline(self) -> float:
        if not self.ready:
            return self.since + _START_SECONDS
        return self.since + self.budget.seconds if self.held else float("inf")

    def stop(self, kill: bool = False) -> None:
        """End the process and reap it, so no zombie is left behind. Without ``kill`` it
        exits by itself once its input is closed."""
        self.retired = True
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        if kill:
            self.process.kill()
        try:
            self.process.wait(timeout=None if kill else 10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def why_it_died(self) -> Failure:
        """Out of memory if its last words say so (an allocation that failed aborts the
        process), else a crash with the signal or exit status and its last line."""
        self.stop()
        tail = _tail(self.errors)
        self.errors.close()
        if any(marker in tail for marker in _OUT_OF_MEMORY):
            return Failure("memory")
        status = self.process.returncode
        how = _signal_name(-status) if status is not None and status < 0 else f"exit status {status}"
        return Failure("crashed", how, _last_line(tail))

    def close(self, kill: bool = False) -> None:
        if not self.retired:
            self.stop(kill)
        self.errors.close()


class Pool:
    """Persistent workers that run tasks and survive what the tasks do to them.

    ``setup`` runs once in each worker before its first task (a run's settings, say), so
    tasks need not carry it.
    """

    def __init__(self, jobs: int, budget: Budget, setup: Optional[Task] = None) -> None:
        self.jobs = max(1, jobs)
        self.budget = budget
        self.setup = setup
        self.events: "queue.Queue[Event]" = queue.Queue()
        self.workers: List[Worker] = []

    def map(self, task_of: Callable[[Any], Task], items: Sequence[Any]) -> Iterator[Outcome]:
        """``(index, result, None)`` or ``(index, None, failure)`` for each item, as each
        finishes. Raises WorkerStartError if a worker cannot start at all."""
        waiting: Deque[Queued] = deque(Queued(index, item) for index, item in enumerate(items))
        remaining = len(items)
        while remaining:
            self._dispatch(waiting, task_of)
            for outcome in self._next_outcomes(waiting):
                remaining -= 1
                yield outcome

    def call(self, function: Callable[..., Any], *args: Any) -> Answer:
        """One task: ``(result, None)`` or ``(None, failure)``."""
        for _, result, failure in self.map(lambda _: Task(function, args), [None]):
            return Answer(result, failure)
        raise AssertionError("unreachable: map yields once per item")

    def _dispatch(self, waiting: Deque[Queued], task_of: Callable[[Any], Task]) -> None:
        """Give each worker up to _IN_FLIGHT tasks, starting workers while there is work."""
        self.workers = [w for w in self.workers if not w.retired]
        while len(self.workers) < min(self.jobs, len(waiting) + sum(len(w.held) for w in self.workers)):
            self.workers.append(Worker(self.budget, self.setup, self.events))
        for worker in self.workers:
            while waiting and len(worker.held) < _IN_FLIGHT:
                queued = waiting.popleft()
                if not worker.send(queued, task_of(queued.item)):
                    waiting.appendleft(queued)
                    break

    def _next_outcomes(self, waiting: Deque[Queued]) -> List[Outcome]:
        """Wait for the next message or the first deadline, and return what it settles."""
        first = min((w.deadline() for w in self.workers), default=float("inf"))
        try:
            wait = None if first == float("inf") else max(0.0, first - time.monotonic())
            worker, body = self.events.get(timeout=wait)
        except queue.Empty:
            return self._expire(waiting)
        if worker.retired:
            return []  # a killed worker's last words
        if body is None:
            return self._died(worker, waiting)
        message: Message = pickle.loads(body)
        worker.since = time.monotonic()
        if message.kind == "ready":
            worker.ready = True
            return []
        if message.kind == "failed":  # its setup raised: no file's doing
            worker.stop(kill=True)
            raise WorkerStartError(f"the analysis process did not start: {message.value}")
        index = worker.held.popleft().index
        if message.kind == "ok":
            return [Outcome(index, message.value, None)]
        if message.kind == "memory":
            return [Outcome(index, None, Failure("memory"))]
        return [Outcome(index, None, Failure("error", message.value))]

    def _died(self, worker: Worker, waiting: Deque[Queued]) -> List[Outcome]:
        """The worker's oldest task killed it; the next one never started and goes back."""
        failure = worker.why_it_died()
        if not worker.ready:
            raise WorkerStartError(f"the analysis process did not start ({failure.detail}): {failure.last_words}")
        return _give_back(worker, waiting, failure)

    def _expire(self, waiting: Deque[Queued]) -> List[Outcome]:
        out: List[Outcome] = []
        now = time.monotonic()
        for worker in self.workers:
            if worker.retired or worker.deadline() > now:
                continue
            worker.stop(kill=True)
            worker.errors.close()
            if not worker.ready:
                raise WorkerStartError(f"the analysis process did not start within {_START_SECONDS:.0f} s")
            out += _give_back(worker, waiting, Failure("timeout"))
        return out

    def close(self, kill: bool = False) -> None:
        """Let idle workers exit (they read the end of their input); ``kill`` for the ones
        still working when the run is interrupted."""
        for worker in self.workers:
            worker.close(kill)
        self.workers = []

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(kill=kind is not None)


def _give_back(worker: Worker, waiting: Deque[Queued], failure: Failure) -> List[Outcome]:
    if not worker.held:
        return []
    index = worker.held.popleft().index
    waiting.extendleft(reversed(worker.held))
    worker.held.clear()
    return [Outcome(index, None, failure)]


def run_isolated(budget: Budget, function: Callable[..., Any], *args: Any) -> Answer:
    """``function(*args)`` in a worker of its own, for a caller with a single task."""
    with Pool(1, budget) as pool:
        return pool.call(function, *args)


def effective_memory(budget: Budget) -> int:
    """The address-space limit a worker sets: the budget's, or less if this process already
    runs under a lower one (a process can only lower its limit); 0 for none."""
    if resource is None or budget.memory <= 0:
        return 0
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return budget.memory if soft == resource.RLIM_INFINITY else min(budget.memory, soft)


def _worker_environment() -> Dict[str, str]:
    """No Rust backtraces: a panic's message is enough to tell what happened."""
    env = dict(os.environ)
    env["RUST_BACKTRACE"] = "0"
    env.pop("PYTHONFAULTHANDLER", None)
    return env


def _tail(stream: IO[bytes], size: int = 4096) -> bytes:
    try:
        stream.seek(0, os.SEEK_END)
        end = stream.tell()
        stream.seek(max(0, end - size))
        return stream.read()
    except (OSError, ValueError):
        return b""


def _last_line(tail: bytes) -> str:
    lines = [line for line in tail.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "no message"


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
