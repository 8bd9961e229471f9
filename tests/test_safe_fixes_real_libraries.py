"""A safe fix keeps runtime behaviour (ruff's definition), checked by running code.

``--fix`` without ``--unsafe-fixes`` must not change what a program does. Two checks:

- a small program that exercises every rule with a fix prints the same before and after
  ``--fix``: it fails for a fix that adds a suspension point (``time.sleep`` ->
  ``await asyncio.sleep``) or runs a coroutine that never ran (inserted ``await``);
- the test suites of three small asyncio libraries, from their pinned PyPI sdists, give
  the same outcome per test before and after ``--fix`` of the whole sdist. Of the three,
  only aiosqlite's library code has a safe finding (two ``get_event_loop()`` in
  ``aiosqlite/core.py``); async-timeout's and janus's are in their test code, which is
  asyncio code too: a fix that changed what a test does changes that test's outcome.
  async-timeout 4.0.3 is the suite whose ``test_timeout_blocking_loop`` failed after the
  old, "safe" AIO100 fix.

The libraries run in a virtual environment built here from PyPI (pip's cache makes later
runs faster); the test is skipped, with pip's reason, when PyPI cannot be reached.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from asynclint.codes import RULES
from conftest import run_cli

# Hang guards only: a cold pip cache on a slow machine takes a while.
PIP_TIMEOUT = 600
SUITE_TIMEOUT = 300


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    tests: Tuple[str, ...]  # what pytest is given, relative to the unpacked sdist
    # Tests whose outcome depends on the machine's speed, not on the code: an upper bound on
    # elapsed time fails on a loaded machine in either run.
    deselect: Tuple[str, ...] = ()


LIBRARIES = (
    Library(
        "async-timeout", "4.0.3", ("tests",),
        deselect=("tests/test_timeout.py::test_timeout_disable", "tests/test_timeout.py::test_timeout_time"),
    ),
    Library("janus", "1.0.0", ("tests",)),
    Library("aiosqlite", "0.20.0", ("aiosqlite/tests/smoke.py",)),  # perf.py is a benchmark
)

# Everything the three suites import, pinned, installed with --no-deps so nothing floats.
TEST_REQUIREMENTS = (
    "pytest==8.3.5",
    "pytest-asyncio==0.24.0",
    "pluggy==1.5.0",
    "iniconfig==2.0.0",
    "packaging==24.2",
    "typing_extensions==4.12.2",
    "exceptiongroup==1.2.2; python_version < '3.11'",
    "tomli==2.2.1; python_version < '3.11'",
)

# What pip prints when it cannot reach an index (urllib3 / socket errors).
_OFFLINE_MARKERS = (
    "NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
    "Name or service not known", "Network is unreachable", "No route to host", "Connection refused",
    "ConnectTimeoutError", "Read timed out", "ProxyError", "Max retries exceeded",
)

# One case per rule with a fix. observe() starts another task before each case: a fix that
# adds a suspension point lets it run before "case done", and a fix that changes a result
# or raises changes the case's line. AIO109 needs the setting in CONFIG.
PROGRAM = '''\
import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def crunch():
    return 42


async def record(events, what):
    events.append(what)
    return False


async def sleeps(events):
    time.sleep(0)  # AIO100


async def resolves(events):
    events.append(len(socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)))  # AIO101


async def runs_a_process(events):
    events.append(subprocess.run([sys.executable, "-c", "pass"]).returncode)  # AIO102


async def reads_a_file(events):
    events.append(len(Path(__file__).read_text()) > 0)  # AIO103


async def stats_a_file(events):
    events.append(os.path.exists(__file__))  # AIO104


async def reads_stdin(events):
    events.append(sys.stdin.read())  # AIO105


async def queries(events):
    events.append(sqlite3.connect(":memory:").execute("select 1").fetchone())  # AIO106


async def nests_a_loop(events):
    inner = record(events, "inner loop")
    try:
        asyncio.run(inner)  # AIO108
    except RuntimeError:
        inner.close()
        events.append("refused")


async def calls_a_configured_call(events):
    events.append(crunch())  # AIO109


async def drops_a_coroutine(events):
    record(events, "dropped")  # AIO200


async def tests_a_coroutine(events):
    if record(events, "condition"):  # AIO202
        events.append("branch taken")


async def drops_a_task(events):
    asyncio.create_task(record(events, "task"))  # AIO300


class Done(Exception):
    pass


async def spins(events):
    n = 0
    try:
        while True:  # AIO400
            n += 1
            if n > 3:
                raise Done
    except Done:
        events.append(n)


async def computes(events):
    total = 0
    for i in range(3):  # AIO401
        for j in range(3):
            total += i * j
    events.append(total)


async def gets_the_loop(events):
    events.append(asyncio.get_event_loop() is asyncio.get_running_loop())  # AIO501


async def observe(case):
    """The case's events, and where another ready task got to run: at a suspension point
    inside the case, or only after it."""
    events = []

    async def other():
        events.append("other task ran")

    task = asyncio.get_running_loop().create_task(other())
    try:
        await case(events)
    except Exception as error:  # a fix that breaks the case shows as a different line
        events.append(type(error).__name__)
    events.append("case done")
    await task
    await asyncio.sleep(0)  # a dropped task runs by now
    return events


async def main():
    for case in (sleeps, resolves, runs_a_process, reads_a_file, stats_a_file, reads_stdin, queries,
                 nests_a_loop, calls_a_configured_call, drops_a_coroutine, tests_a_coroutine, drops_a_task, spins, computes,
                 gets_the_loop):
        print(case.__name__, await observe(case))


asyncio.run(main())
'''
CONFIG = '[tool.asynclint]\nblocking-calls = { "program.crunch" = "an async variant" }\n'


def test_safe_fixes_keep_what_a_program_prints(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    before = _run_python(program)
    listed = run_cli(["--no-cache", "--select", "ALL", "--format", "json", "-j", "1", "program.py"], cwd=tmp_path)
    findings = json.loads(listed.stdout)
    fixable = {code for code, rule in RULES.items() if rule.fix is not None}
    assert fixable <= {f["code"] for f in findings}, "PROGRAM should exercise every rule with a fix"
    safe = [f for f in findings if f["fix"] is not None and f["fix"]["applicability"] == "safe"]

    fixed = run_cli(["--no-cache", "--select", "ALL", "--fix", "-j", "1", "program.py"], cwd=tmp_path)
    assert fixed.returncode in (0, 1) and "Traceback" not in fixed.stderr, fixed.stderr
    assert (program.read_text(encoding="utf-8") != PROGRAM) == bool(safe), "the safe fixes were not applied"
    assert _run_python(program) == before


def _run_python(program: Path) -> str:
    """What the program prints; its warnings about never-awaited coroutines go to stderr."""
    done = subprocess.run([sys.executable, str(program)], cwd=program.parent, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ------------------------------------------------------------------------- real libraries


@dataclass(frozen=True)
class Sandbox:
    python: Path  # a virtual environment's interpreter with TEST_REQUIREMENTS
    sdists: Dict[str, Path]  # library name -> downloaded sdist


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    """A venv with the pinned test requirements and the three sdists, fetched in parallel."""
    root = tmp_path_factory.mktemp("real_libraries")
    python = _make_venv(root / "venv")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    jobs = {"test requirements": _pip("install", "--no-deps", "--target", site, *TEST_REQUIREMENTS)}
    for library in LIBRARIES:
        jobs[library.name] = _pip("download", "--no-deps", "--no-binary", library.name,
                                  "--dest", str(root / "sdists" / library.name), f"{library.name}=={library.version}")
    _wait_for(jobs)
    sdists = {}
    for library in LIBRARIES:
        (sdist,) = (root / "sdists" / library.name).iterdir()
        sdists[library.name] = sdist
    return Sandbox(python, sdists)


def _make_venv(directory: Path) -> Path:
    """Without pip of its own: this interpreter's pip installs into it, which is much faster."""
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(directory)
    return directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pip(*args: str) -> "subprocess.Popen[str]":
    command = [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check", "--no-input",
               "--retries", "1", "--timeout", "30"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(jobs: Dict[str, "subprocess.Popen[str]"]) -> None:
    failures = []
    for what, job in jobs.items():
        try:
            _, stderr = job.communicate(timeout=PIP_TIMEOUT)
        except subprocess.TimeoutExpired:
            job.kill()
            _, stderr = job.communicate()
            failures.append((what, f"pip did not finish in {PIP_TIMEOUT} s\n{stderr}"))
            continue
        if job.returncode != 0:
            failures.append((what, stderr))
    for what, stderr in failures:
        offline = [line.strip() for line in stderr.splitlines() if any(m in line for m in _OFFLINE_MARKERS)]
        if offline:
            pytest.skip(f"PyPI is unreachable, so the real libraries cannot be fetched ({what}): {offline[-1][:300]}")
        if "No module named pip" in stderr:
            pytest.skip(f"this interpreter has no pip to fetch the real libraries with: {sys.executable}")
    assert not failures, "\n".join(f"pip failed for {what}:\n{stderr[-2000:]}" for what, stderr in failures)


def _unpack(sdist: Path, destination: Path) -> Path:
    destination.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and security releases of 3.9-3.11
            archive.extractall(destination, filter="data")
        else:
            archive.extractall(destination)
    (top,) = destination.iterdir()
    return top


def _changed_files(original: Path, fixed: Path) -> List[str]:
    changed = []
    for path in sorted(original.rglob("*.py")):
        relative = path.relative_to(original)
        if path.read_bytes() != (fixed / relative).read_bytes():
            changed.append(relative.as_posix())
    return changed


def _outcomes(python: Path, tree: Path, library: Library, report: Path) -> Dict[str, str]:
    """Test id -> passed / failure / error / skipped (joined when a test has several)."""
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
               "-o", "asyncio_default_fixture_loop_scope=function", f"--junitxml={report}", *library.tests]
    for test_id in library.deselect:
        command += ["--deselect", test_id]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    assert report.exists(), f"{library.name}: pytest wrote no report (exit {done.returncode}):\n{done.stdout[-3000:]}"
    outcomes: Dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        results = sorted({child.tag for child in case if child.tag in ("failure", "error", "skipped")})
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = "+".join(results) or "passed"
    return outcomes


def _differences(before: Dict[str, str], after: Dict[str, str]) -> List[str]:
    return [f"{test_id}: {before.get(test_id, 'absent')} -> {after.get(test_id, 'absent')}"
            for test_id in sorted(set(before) | set(after)) if before.get(test_id) != after.get(test_id)]


@pytest.mark.parametrize("library", LIBRARIES, ids=[library.name for library in LIBRARIES])
def test_safe_fixes_keep_a_real_librarys_test_outcomes(sandbox: Sandbox, library: Library, tmp_path: Path) -> None:
    original = _unpack(sandbox.sdists[library.name], tmp_path / "original")
    fixed = _unpack(sandbox.sdists[library.name], tmp_path / "fixed")
    done = run_cli(["--no-cache", "--select", "ALL", "--fix", "-q", "."], cwd=fixed)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    # These versions were chosen because a safe fix applies to them: otherwise the
    # comparison below would compare a tree with itself.
    assert _changed_files(original, fixed), f"{library.name} {library.version}: --fix changed nothing"

    before = _outcomes(sandbox.python, original, library, tmp_path / "before.xml")
    passed = sum(outcome == "passed" for outcome in before.values())
    assert passed > len(before) / 2, f"{library.name}'s suite mostly fails here, so it proves little: {before}"
    after = _outcomes(sandbox.python, fixed, library, tmp_path / "after.xml")
    assert after == before, f"{library.name}: the safe fixes changed test outcomes:\n" + "\n".join(
        _differences(before, after))
