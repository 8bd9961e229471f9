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
* Messages are pickles over the worker's standard input and output: both ends are this
  package, in processes it started.
"""
from __future__ import annotations

import json
import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Tuple

try:
    import resource
except ImportError:  # Windows: no address-space limit, the time budget still applies
    resource = None  # type: ignore[assignment]

# Tasks a worker holds at once: the one it works on and the next, so it never waits for
# the parent between files; a death is still the first one's.
_IN_FLIGHT = 2
_HEADER = struct.Struct("!Q")
# How long a worker may take to start (interpreter, LibCST import) before the run gives up.
_START_SECONDS = 120.0
# What an allocation failure leaves on a worker's standard error: Rust's abort message,
# or a MemoryError that escaped while the worker was not running a task.
_OUT_OF_MEMORY = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory", b"out of memory")

Task = Tuple[Callable[..., Any], tuple]  # a module-level function and its arguments


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


Outcome = Tuple[int, Any, Optional[Failure]]  # an item's index, its result or its failure


# -- the parent's side ------------------------------------------------------------------------


class Worker:
    """One child process, its pipes, and the tasks it holds (oldest first)."""

    def __init__(self, budget: Budget, setup: Optional[Task], events: "queue.Queue[Tuple[Worker, Optional[bytes]]]") -> None:
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
        self.held: Deque[Tuple[int, Any]] = deque()  # (index, item) of the tasks sent
        self.ready = False
        self.since = time.monotonic()  # when its oldest task started (or it was started)
        self.retired = False
        threading.Thread(target=self._read, daemon=True).start()
        try:
            _write(self.process.stdin, pickle.dumps(setup, pickle.HIGHEST_PROTOCOL))
        except (OSError, ValueError):
            pass  # it died already: its reader reports that

    def _read(self) -> None:
        """Forward each message to the pool's queue; None when the worker is gone."""
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                body = _read_frame(stream)
                if body is None:
                    break
                self.events.put((self, body))
        except (OSError, ValueError):
            pass
        self.events.put((self, None))

    def send(self, index: int, item: Any, task: Task) -> bool:
        """False if the worker is gone (its pipe is closed)."""
        try:
            _write(self.process.stdin, pickle.dumps(task, pickle.HIGHEST_PROTOCOL))
        except (OSError, ValueError):
            return False
        if not self.held:
            self.since = time.monotonic()
        self.held.append((index, item))
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
        self.events: "queue.Queue[Tuple[Worker, Optional[bytes]]]" = queue.Queue()
        self.workers: List[Worker] = []

    def map(self, task_of: Callable[[Any], Task], items: Sequence[Any]) -> Iterator[Outcome]:
        """``(index, result, None)`` or ``(index, None, failure)`` for each item, as each
        finishes. Raises WorkerStartError if a worker cannot start at all."""
        waiting: Deque[Tuple[int, Any]] = deque(enumerate(items))
        remaining = len(items)
        while remaining:
            self._dispatch(waiting, task_of)
            for outcome in self._next_outcomes(waiting):
                remaining -= 1
                yield outcome

    def call(self, function: Callable[..., Any], *args: Any) -> Tuple[Any, Optional[Failure]]:
        """One task: ``(result, None)`` or ``(None, failure)``."""
        for _, result, failure in self.map(lambda _: (function, args), [None]):
            return result, failure
        raise AssertionError("unreachable: map yields once per item")

    def _dispatch(self, waiting: Deque[Tuple[int, Any]], task_of: Callable[[Any], Task]) -> None:
        """Give each worker up to _IN_FLIGHT tasks, starting workers while there is work."""
        self.workers = [w for w in self.workers if not w.retired]
        while len(self.workers) < min(self.jobs, len(waiting) + sum(len(w.held) for w in self.workers)):
            self.workers.append(Worker(self.budget, self.setup, self.events))
        for worker in self.workers:
            while waiting and len(worker.held) < _IN_FLIGHT:
                index, item = waiting.popleft()
                if not worker.send(index, item, task_of(item)):
                    waiting.appendleft((index, item))
                    break

    def _next_outcomes(self, waiting: Deque[Tuple[int, Any]]) -> List[Outcome]:
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
        message = pickle.loads(body)
        worker.since = time.monotonic()
        if message[0] == "ready":
            worker.ready = True
            return []
        if message[0] == "failed":  # its setup raised: no file's doing
            worker.stop(kill=True)
            raise WorkerStartError(f"the analysis process did not start: {message[1]}")
        index, _ = worker.held.popleft()
        if message[0] == "ok":
            return [(index, message[1], None)]
        if message[0] == "memory":
            return [(index, None, Failure("memory"))]
        return [(index, None, Failure("error", message[1]))]

    def _died(self, worker: Worker, waiting: Deque[Tuple[int, Any]]) -> List[Outcome]:
        """The worker's oldest task killed it; the next one never started and goes back."""
        failure = worker.why_it_died()
        if not worker.ready:
            raise WorkerStartError(f"the analysis process did not start ({failure.detail}): {failure.last_words}")
        return _give_back(worker, waiting, failure)

    def _expire(self, waiting: Deque[Tuple[int, Any]]) -> List[Outcome]:
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


def _give_back(worker: Worker, waiting: Deque[Tuple[int, Any]], failure: Failure) -> List[Outcome]:
    if not worker.held:
        return []
    index, _ = worker.held.popleft()
    waiting.extendleft(reversed(worker.held))
    worker.held.clear()
    return [(index, None, failure)]


def run_isolated(budget: Budget, function: Callable[..., Any], *args: Any) -> Tuple[Any, Optional[Failure]]:
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


def _write(stream: Optional[IO[bytes]], body: bytes) -> None:
    if stream is None:
        raise ValueError("no pipe")
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Optional[bytes]:
    """The next message, or None at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    return body if len(body) == size else None


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


# -- the worker's side ------------------------------------------------------------------------

# The parent's sys.path, so the worker imports the same asynclint (and LibCST) as it does.
_BOOT = "import sys, json; sys.path[:] = json.loads(sys.argv[1]); from asynclint.run.workers import serve; serve(int(sys.argv[2]))"


def serve(memory: int) -> None:
    """A worker's life: run the setup, then take tasks from standard input until it
    closes, answering each on standard output. Stray output from a task cannot corrupt the
    answers: the pipes move to private descriptors, the standard ones to the error file."""
    tasks = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    setup = _read_frame(tasks)  # read at once: the parent waits until it is written
    _limit_memory(memory)
    import asynclint.engine.analysis  # noqa: F401 (LibCST: loaded before the first file's clock starts)

    try:
        task = pickle.loads(setup) if setup is not None else None
        if task is not None:
            task[0](*task[1])
    except Exception as error:
        _write(answers, pickle.dumps(("failed", f"{type(error).__name__}: {error}")))
        return
    _tune_collector()
    _write(answers, pickle.dumps(("ready",)))
    while True:
        body = _read_frame(tasks)
        if body is None:
            return
        _write(answers, _answer(body))


def _answer(body: bytes) -> bytes:
    """A task's outcome as a message; never raises, so the worker outlives its tasks."""
    try:
        function, args = pickle.loads(body)
        return pickle.dumps(("ok", function(*args)), pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("memory",))
    except RecursionError:
        return pickle.dumps(("error", "RecursionError"))
    except Exception as error:
        return pickle.dumps(("error", f"{type(error).__name__}: {error}"))


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
