"""A file that crashes or explodes the parser costs only that file (issue 19, items 5, 6, 9).

Through the installed command, the flake8 executable and standard input: the issue's
reproductions (valid code that kills LibCST's process or takes minutes and gigabytes), real
crashes of the parser's process (a 1 MB stack makes LibCST overflow on a 1,000-term ``and``
chain, well inside the complexity limits, so the worker really dies), an address-space
limit that a big valid file exceeds, and a per-file time budget. Every run also checks
``good.py``, so "the other files are still checked" is asserted, not assumed.
"""
from __future__ import annotations

import ast
import json
import os
import resource
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from conftest import find_asynclint, run_cli

GOOD = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    await nap()\n"
TIMEOUT = 180  # a hang guard only

# The reproductions from the issue: each kills or swamps LibCST's parser.
REPRODUCTIONS = {
    "and_8000": "def f(a):\n    return " + " and ".join(["a"] * 8000) + "\n",
    "elif_12000": "if a:\n    pass\n" + "elif a:\n    pass\n" * 11999,
    "plus_7000": "x = " + "+".join(["1"] * 7000) + "\n",
    "lambdas_4000": "x = " + "lambda: " * 4000 + "0\n",
}
# Inside every complexity limit, yet deep enough to overflow a 1 MB stack in LibCST.
CRASHES_SMALL_STACK = "def f(a):\n    return " + " and ".join(["a"] * 1000) + "\n"
SMALL_STACK = 1 << 20


def python_refuses(text: str) -> bool:
    """CPython's own parser refuses some reproductions (too deeply nested): those are AIO001."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<test>", "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, RecursionError, MemoryError):
        return True
    return False


def expected_code(text: str) -> str:
    return "AIO001" if python_refuses(text) else "AIO002"


def run_limited(
    args: Sequence[str], cwd: Path, *, stack: Optional[int] = None, address_space: Optional[int] = None,
    input: str = "", program: Optional[List[str]] = None,
) -> "subprocess.CompletedProcess[str]":
    """The installed command (or ``program``) under real resource limits, set before exec
    and inherited by every process it starts, as ``ulimit`` or ``prlimit`` would."""

    def limit() -> None:
        if stack is not None:
            resource.setrlimit(resource.RLIMIT_STACK, (stack, resource.getrlimit(resource.RLIMIT_STACK)[1]))
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, resource.getrlimit(resource.RLIMIT_AS)[1]))

    command = (program or [str(find_asynclint())]) + list(args)
    return subprocess.run(command, cwd=cwd, input=input, capture_output=True, text=True, timeout=TIMEOUT,
                          preexec_fn=limit)


def findings_of(done: "subprocess.CompletedProcess[str]") -> Dict[str, List[dict]]:
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 1, f"exit {done.returncode}: {done.stderr[-1000:]}"
    out: Dict[str, List[dict]] = {}
    for finding in json.loads(done.stdout):
        out.setdefault(Path(finding["path"]).name, []).append(finding)
    return out


def assert_good_checked(found: Dict[str, List[dict]]) -> None:
    assert [(f["line"], f["code"]) for f in found["good.py"]] == [(5, "AIO100")], found


def project(tmp_path: Path, files: Dict[str, str]) -> Path:
    for name, text in {"good.py": GOOD, **files}.items():
        (tmp_path / name).write_text(text)
    return tmp_path


# -- the reproductions: refused before parsing -----------------------------------------


@pytest.mark.parametrize("jobs", [["-j", "1"], []], ids=["serial", "default-jobs"])
@pytest.mark.parametrize("case", sorted(REPRODUCTIONS))
def test_reproduction_is_one_finding_and_the_run_goes_on(tmp_path: Path, case: str, jobs: List[str]) -> None:
    text = REPRODUCTIONS[case]
    root = project(tmp_path, {"bad.py": text})
    done = run_cli(["--no-cache", "--select", "ALL", "--format", "json", *jobs, "."], cwd=root, timeout=TIMEOUT)
    found = findings_of(done)
    assert done.stderr == ""
    assert_good_checked(found)
    [bad] = found["bad.py"]
    assert bad["code"] == expected_code(text), bad
    if bad["code"] == "AIO002":
        assert bad["message"].startswith("too complex to analyse: ") and "limit" in bad["message"], bad


@pytest.mark.parametrize("case", sorted(REPRODUCTIONS))
def test_reproduction_on_stdin(tmp_path: Path, case: str) -> None:
    text = REPRODUCTIONS[case]
    done = run_cli(["--stdin-filename", "bad.py", "--format", "json", "-"], cwd=tmp_path, input=text, timeout=TIMEOUT)
    [bad] = findings_of(done)["bad.py"]
    assert bad["code"] == expected_code(text)
    fixed = run_cli(["--stdin-filename", "bad.py", "--fix", "-"], cwd=tmp_path, input=text, timeout=TIMEOUT)
    assert fixed.returncode == 1 and "Traceback" not in fixed.stderr
    assert fixed.stdout == text
    assert f"bad.py:1:1: {expected_code(text)} " in fixed.stderr


FLAKE8 = shutil.which("flake8", path=str(Path(sys.executable).parent)) or shutil.which("flake8") or "flake8"


def run_flake8(root: Path, jobs: str, stack: Optional[int] = None) -> Tuple[int, List[Tuple[str, int, str]], str]:
    """flake8's (file name, line, "CODE message") rows, sorted."""
    done = run_limited(["--isolated", "--select", "AIO", "-j", jobs, "--format=%(path)s|%(row)d|%(code)s %(text)s",
                        "bad.py", "good.py"], root, stack=stack, program=[FLAKE8])
    rows = []
    for line in done.stdout.splitlines():
        path, row, text = line.split("|", 2)
        rows.append((Path(path).name, int(row), text))
    return done.returncode, sorted(rows), done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("case", sorted(c for c, text in REPRODUCTIONS.items() if not python_refuses(text)))
def test_reproduction_in_flake8(tmp_path: Path, case: str, jobs: str) -> None:
    """With ``-j 2`` flake8 checks the two files in its own (daemonic) worker processes.
    Only the reproductions this CPython accepts: flake8 runs no plugin on the others."""
    text = REPRODUCTIONS[case]
    root = project(tmp_path, {"bad.py": text})
    status, rows, errors = run_flake8(root, jobs)
    assert status == 1 and "Traceback" not in errors, errors[-2000:]
    assert [(name, line, text.split()[0]) for name, line, text in rows] == [("bad.py", 1, "AIO002"), ("good.py", 5, "AIO100")]
    assert rows[0][2].startswith("AIO002 too complex to analyse: "), rows


# -- real crashes of the parser's process ------------------------------------------------------


def test_crash_is_aio003_for_that_file_only_serial(tmp_path: Path) -> None:
    root = project(tmp_path, {"crash.py": CRASHES_SMALL_STACK, "other.py": GOOD})
    done = run_limited(["--no-cache", "--select", "ALL", "--format", "json", "-j", "1", "."], root, stack=SMALL_STACK)
    found = findings_of(done)
    assert done.stderr == "", done.stderr  # no Rust message, no "Segmentation fault"
    assert_good_checked(found)
    assert [(f["line"], f["code"]) for f in found["other.py"]] == [(5, "AIO100")]
    [crash] = found["crash.py"]
    assert crash["code"] == "AIO003" and "parser crashed" in crash["message"], crash


def test_crash_on_stdin_leaves_the_source_unchanged(tmp_path: Path) -> None:
    done = run_limited(["--stdin-filename", "crash.py", "--fix", "-"], tmp_path, stack=SMALL_STACK,
                       input=CRASHES_SMALL_STACK)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stdout == CRASHES_SMALL_STACK
    assert done.stderr.startswith("crash.py:1:1: AIO003 internal error: the parser crashed"), done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_crash_in_flake8_is_one_finding(tmp_path: Path, jobs: str) -> None:
    root = project(tmp_path, {"bad.py": CRASHES_SMALL_STACK})
    status, rows, errors = run_flake8(root, jobs, stack=SMALL_STACK)
    assert status == 1 and "Traceback" not in errors, errors[-2000:]
    assert [(name, line, text.split()[0]) for name, line, text in rows] == [("bad.py", 1, "AIO003"), ("good.py", 5, "AIO100")]
    assert "parser crashed" in rows[0][2], rows


# Counts the workers a real run starts, without changing what they do.
COUNT_WORKERS = """
import atexit, sys
import asynclint.run.workers as workers
started = []
start = workers.Worker.__init__
def counted(self, *args, **kwargs):
    started.append(1)
    start(self, *args, **kwargs)
workers.Worker.__init__ = counted
atexit.register(lambda: open(sys.argv[1], "w").write(str(len(started))))
from asynclint.cli import main
main(sys.argv[2:])
"""


def test_after_a_crash_the_pool_goes_on(tmp_path: Path) -> None:
    """Three crashing files among forty, two jobs: each crash costs one new worker, no more
    (a process per remaining file would be dozens), and every other file is checked."""
    files = {f"m{i:02}.py": GOOD for i in range(37)}
    files.update({f"crash{i}.py": CRASHES_SMALL_STACK for i in range(3)})
    root = project(tmp_path, files)
    count = tmp_path / "started.txt"
    done = run_limited([str(count), "--no-cache", "--select", "ALL", "--format", "json", "-j", "2", "."], root,
                       stack=SMALL_STACK, program=[sys.executable, "-c", COUNT_WORKERS])
    found = findings_of(done)
    assert all([(f["line"], f["code"]) for f in found[name]] == [(5, "AIO100")] for name in files if name.startswith("m"))
    assert sorted(f["code"] for name in found if name.startswith("crash") for f in found[name]) == ["AIO003"] * 3
    assert int(count.read_text()) <= 2 + 3


def test_crash_is_cached_a_timeout_is_not(tmp_path: Path) -> None:
    """The same bytes crash again, so a second run starts no worker; a file that ran out of
    time may pass on a less busy machine, so it is checked again."""
    root = project(tmp_path, {"crash.py": CRASHES_SMALL_STACK})
    count = tmp_path / "started.txt"
    counting = [sys.executable, "-c", COUNT_WORKERS]
    for _ in range(2):
        done = run_limited([str(count), "--format", "json", "-j", "1", "."], root, stack=SMALL_STACK, program=counting)
        assert [f["code"] for f in findings_of(done)["crash.py"]] == ["AIO003"]
    assert count.read_text() == "0"
    (root / "pyproject.toml").write_text("[tool.asynclint]\nmax-file-time = 1\nmax-file-size = 4000000\n")
    (root / "crash.py").unlink()
    (root / "slow.py").write_text(slow_source())
    for _ in range(2):
        done = run_limited([str(count), "--format", "json", "-j", "1", "."], root, program=counting)
        assert [f["code"] for f in findings_of(done)["slow.py"]] == ["AIO002"]
    assert count.read_text() == "1"


# -- budgets: memory and time ------------------------------------------------------------------


def big_source(size: int) -> str:
    """Plain valid code; LibCST needs about 750 bytes of memory per byte of it."""
    block = "def helper_{i}(value):\n    total = value * {i} + len(str(value))\n    return {{'k': total, 'v': [value, {i}]}}\n\n\n"
    parts, length, i = [], 0, 0
    while length < size:
        parts.append(block.format(i=i))
        length += len(parts[-1])
        i += 1
    return "".join(parts)


def slow_source() -> str:
    """About 3 MB: many seconds of parsing on any machine, so a 1 s budget runs out."""
    return big_source(3_000_000)


def test_running_out_of_address_space_is_aio002(tmp_path: Path) -> None:
    """The whole command under a 200 MB address-space limit (``prlimit --as``): the 400 KB
    file needs about 330 MB, so its worker runs out; the command itself does not."""
    root = project(tmp_path, {"big.py": big_source(400_000)})
    done = run_limited(["--no-cache", "--select", "ALL", "--format", "json", "-j", "1", "."], root,
                       address_space=200 << 20)
    found = findings_of(done)
    assert done.stderr == "", done.stderr  # no "memory allocation of N bytes failed"
    assert_good_checked(found)
    [big] = found["big.py"]
    assert (big["code"], big["message"]) == ("AIO002", "too complex to analyse: ran out of memory (limit 200 MB)")


def test_max_file_memory_setting(tmp_path: Path) -> None:
    root = project(tmp_path, {"big.py": big_source(400_000)})
    (root / "pyproject.toml").write_text("[tool.asynclint]\nmax-file-memory = 134217728\n")
    done = run_cli(["--no-cache", "--select", "ALL", "--format", "json", "."], cwd=root, timeout=TIMEOUT)
    found = findings_of(done)
    assert_good_checked(found)
    assert [(f["code"], f["message"]) for f in found["big.py"]] == [
        ("AIO002", "too complex to analyse: ran out of memory (limit 128 MB)")]


def test_max_file_time_setting(tmp_path: Path) -> None:
    root = project(tmp_path, {"slow.py": slow_source()})
    (root / "pyproject.toml").write_text("[tool.asynclint]\nmax-file-time = 1\nmax-file-size = 4000000\n")
    done = run_cli(["--no-cache", "--select", "ALL", "--format", "json", "-j", "1", "."], cwd=root, timeout=TIMEOUT)
    found = findings_of(done)
    assert done.stderr == ""
    assert_good_checked(found)
    assert [(f["code"], f["message"]) for f in found["slow.py"]] == [
        ("AIO002", "too complex to analyse: took longer than 1 s (the max-file-time setting)")]


@pytest.mark.parametrize("setting, value, problem", [
    ("max-file-time", "0", "expected a number of seconds above 0"),
    ("max-file-time", '"60"', "expected a number of seconds above 0 and at most 86,400, got a string"),
    ("max-file-memory", "1000", "expected a number of bytes of at least 134,217,728 (128 MiB), got 1000"),
])
def test_budget_settings_are_validated(tmp_path: Path, setting: str, value: str, problem: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.asynclint]\n{setting} = {value}\n")
    (tmp_path / "a.py").write_text(GOOD)
    done = run_cli(["a.py"], cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"asynclint: error: pyproject.toml: tool.asynclint.{setting}: {problem}"), done.stderr


# -- the measure itself ------------------------------------------------------------------------


def test_measure_counts_what_nests() -> None:
    from asynclint.engine.complexity import measure

    assert measure("x = a.b(c).d[e] + f(g)(h) - (i).j\n")["trailers"] == 4
    assert measure('x = f"{a}{b}{c}{d}{e}{f}{g}"\n')["trailers"] == 0  # replacement fields
    assert measure("x = [1 + 1, 1 + 1, 1 + 1]\n")["arithmetic"] == 1  # each element alone
    assert measure("x = lambda a, b=1: lambda c: a if b else c\n")["lambda"] == 2
    assert measure("if a:\n  pass\nelif b:\n  if c:\n    pass\n  elif d:\n    pass\nelif e:\n  pass\n")["elif"] == 2
    assert measure("x = a + (b + (c + d))\n")["arithmetic"] == 1 and measure("x = ((((1))))\n")["brackets"] == 4


def test_real_code_is_far_below_every_limit() -> None:
    """The standard library's largest modules: no measure comes near its limit."""
    from asynclint.engine.complexity import LIMITS, measure

    import typing, subprocess as sub, argparse  # noqa: E401 (modules to measure)
    for module in (typing, sub, argparse, json.decoder, os):
        source = Path(module.__file__).read_text(encoding="utf-8")
        for name, value in measure(source).items():
            assert value * 4 <= LIMITS[name].limit, (module.__name__, name, value)
