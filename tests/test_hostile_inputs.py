"""Hostile input through the installed CLI (issue 7): never a traceback, never a hang,
one clear line and the documented exit code, every other file still checked, no file
left half-written.

Every run includes ``good.py`` with one known AIO100 so "the other files are still
checked" is asserted, not assumed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import run_cli

GOOD = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    await nap()\n"
GOOD_LINE = 5
# Bounded: a hang is a failure, not a stuck suite.
TIMEOUT = 120


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_bytes(data.encode("utf-8"))
    return path


def lint_json(args: List[str], cwd: Path, timeout: float = TIMEOUT) -> "tuple[subprocess.CompletedProcess[str], List[dict]]":
    done = run_cli(["--select", "ALL", "--format", "json", *args], cwd=cwd, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    try:
        findings = json.loads(done.stdout) if done.stdout.strip() else []
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not JSON (exit {done.returncode}): {done.stdout[:300]!r} stderr={done.stderr[-500:]!r}")
    return done, findings


def by_file(findings: List[dict]) -> Dict[str, List[dict]]:
    out: Dict[str, List[dict]] = {}
    for finding in findings:
        out.setdefault(Path(finding["path"]).name, []).append(finding)
    return out


def assert_good_checked(findings: List[dict]) -> None:
    good = [(f["line"], f["code"]) for f in findings if Path(f["path"]).name == "good.py"]
    assert (GOOD_LINE, "AIO100") in good, findings


def assert_one_line_error(done: "subprocess.CompletedProcess[str]") -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("asynclint: error: ")
    assert len(lines[0]) < 500, f"error line is {len(lines[0])} characters long"
    assert "Traceback" not in done.stderr


# -- files that are not clean Python: one shared run ---------------------------------------

CASES = {
    # name: (bytes, expected codes for that file, expected line or None)
    "syntax.py": (b"x = 1\n\n\ndef f(:\n    pass\n", {"AIO001"}, 4),
    "invalid_utf8.py": (b'x = "\xff\xfe caf\xc3"\n', {"AIO002"}, 1),
    "unknown_cookie.py": (b"# -*- coding: no-such-codec -*-\nx = 1\n", {"AIO002"}, 1),
    "wrong_cookie.py": (b'# coding: ascii\nx = "caf\xc3\xa9"\n', {"AIO002"}, 1),
    "binary.py": (bytes(range(256)) * 64, {"AIO001", "AIO002"}, None),
    "nul.py": (b"x = 1\x00\ny = 2\n", {"AIO001", "AIO002"}, None),
    "python2.py": (b'import os\nprint "hello"\n', {"AIO001"}, 2),
    # Python 2's "except E, e:" is valid again since 3.14 (PEP 758: a tuple of exceptions).
    "python2_except.py": (b"try:\n    pass\nexcept Exception, e:\n    pass\n", set(), None),
    "tabs_mixed.py": (b"if 1:\n\tx = 1\n        y = 2\n", {"AIO001"}, 3),
    "empty.py": (b"", set(), None),
    "only_bom.py": (b"\xef\xbb\xbf", set(), None),
    "latin1.py": (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", set(), None),
}


@pytest.fixture(scope="module")
def bad_files_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    write(root / "good.py", GOOD)
    for name, (data, _codes, _line) in CASES.items():
        write(root / name, data)
    done, findings = lint_json(["-j", "1", "."], root)
    return done, findings


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_one_finding_and_the_run_goes_on(bad_files_run, name: str) -> None:
    done, findings = bad_files_run
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert_good_checked(findings)
    _data, codes, line = CASES[name]
    mine = by_file(findings).get(name, [])
    if not codes:
        assert mine == []
        return
    assert len(mine) == 1, mine
    assert mine[0]["code"] in codes
    assert "\n" not in mine[0]["message"] and len(mine[0]["message"]) < 300
    if line is not None:
        assert mine[0]["line"] == line


def test_no_internal_errors_among_bad_files(bad_files_run) -> None:
    _done, findings = bad_files_run
    assert [f for f in findings if f["code"] == "AIO003"] == []


# -- line endings, BOM, tabs: findings in the right place, fixes keep the file's form --------

LAYOUTS = {
    "crlf.py": (b"import time\r\n\r\n\r\nasync def nap():\r\n    time.sleep(1)\r\n    await nap()\r\n", [5]),
    "mixed.py": (b"import time\r\n\n\rasync def nap():\n    time.sleep(1)\r\n    time.sleep(2)\n    await nap()\r", [5, 6]),
    "bom.py": (b"\xef\xbb\xbf" + GOOD.encode(), [5]),
    "tabs.py": (b"import time\n\n\nasync def nap():\n\ttime.sleep(1)\n\tif nap:\n\t\ttime.sleep(2)\n\tawait nap()\n", [5, 7]),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_line_endings_bom_and_tabs(tmp_path: Path, name: str) -> None:
    data, lines = LAYOUTS[name]
    write(tmp_path / name, data)
    write(tmp_path / "good.py", GOOD)
    done, findings = lint_json(["-j", "1", "."], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    found = sorted(f["line"] for f in by_file(findings)[name] if f["code"] == "AIO100")
    assert found == lines

    fixed = run_cli(["--select", "AIO100", "--fix", "--unsafe-fixes", "-j", "1", name], cwd=tmp_path, timeout=TIMEOUT)
    assert "Traceback" not in fixed.stderr
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    after = (tmp_path / name).read_bytes()
    assert b"asyncio.sleep(1)" in after
    compile(after, name, "exec")
    if data.startswith(b"\xef\xbb\xbf"):
        assert after.startswith(b"\xef\xbb\xbf") and not after[3:].startswith(b"\xef\xbb\xbf")
    if name == "crlf.py":  # every line still ends in CRLF, including any added import
        assert after.count(b"\n") == after.count(b"\r\n")


# -- nesting deep enough to exhaust recursion ------------------------------------------------

DEEP = {
    "parens.py": "x = " + "(" * 5000 + ")" * 5000 + "\n",
    "unary.py": "x = " + "-" * 100000 + "1\n",
    "calls.py": "import time\n\n\nasync def g():\n    x = " + "f(" * 1000 + "time.sleep(1)" + ")" * 1000 + "\n",
    "ifs.py": "".join("    " * i + "if x:\n" for i in range(150)) + "    " * 150 + "pass\n",
    "lists.py": "x = " + "[" * 3000 + "]" * 3000 + "\n",
    # nested with other tokens between the brackets: deep, but never two openers in a row
    "mixed.py": "x = " + "[1, (2, {3: " * 600 + "0" + "})]" * 600 + "\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_a_syntax_error_not_a_crash(tmp_path: Path, name: str) -> None:
    """CPython itself refuses all of these (nesting or recursion limits): AIO001, never a
    crash, a hang or an 'internal error'."""
    write(tmp_path / name, DEEP[name])
    write(tmp_path / "good.py", GOOD)
    start = time.perf_counter()
    done, findings = lint_json(["-j", "1", "."], tmp_path)
    elapsed = time.perf_counter() - start
    assert done.returncode == 1, f"exit {done.returncode} (-11 is a segfault): {done.stderr[-500:]}"
    assert done.stderr == ""
    assert_good_checked(findings)
    mine = by_file(findings).get(name, [])
    assert [f["code"] for f in mine] == ["AIO001"], mine
    assert elapsed < 60, f"took {elapsed:.0f}s"


def test_a_crashing_file_does_not_hang_a_parallel_run(tmp_path: Path) -> None:
    """With a process pool, a worker that dies must not leave the run waiting forever."""
    for i in range(20):
        write(tmp_path / f"m{i:02}.py", f"x{i} = {i}\n")
    write(tmp_path / "parens.py", DEEP["parens.py"])
    write(tmp_path / "good.py", GOOD)
    try:
        done, findings = lint_json(["-j", "2", "."], tmp_path, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung (a worker process died and the pool waited for it)")
    assert done.returncode == 1
    assert_good_checked(findings)


# -- a 10 MB file -----------------------------------------------------------------------------


def test_ten_megabyte_file_finishes(tmp_path: Path) -> None:
    block = "def helper_{i}(value):\n    total = value * {i} + len(str(value))\n    return {{'k': total, 'v': [value, {i}]}}\n\n\n"
    parts, size, i = ["import time\n\n\n"], 0, 0
    while size < 10 * 1024 * 1024:
        text = block.format(i=i)
        parts.append(text)
        size += len(text)
        i += 1
    parts.append("async def tail():\n    time.sleep(1)\n    await tail()\n")
    write(tmp_path / "big.py", "".join(parts))
    write(tmp_path / "good.py", GOOD)
    # LibCST needs ~700 bytes of memory per source byte (7 GB here): above max-file-size
    # (1 MB by default) a file is one AIO002 finding, at once, and the others are checked.
    start = time.perf_counter()
    try:
        done, findings = lint_json(["-j", "1", "."], tmp_path, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("a 10 MB file took more than 90 s")
    assert done.returncode == 1
    assert_good_checked(findings)
    mine = by_file(findings)["big.py"]
    assert [(f["line"], f["code"]) for f in mine] == [(1, "AIO002")]
    assert "too large" in mine[0]["message"] and "max-file-size" in mine[0]["message"]
    assert time.perf_counter() - start < 30


# -- files that vanish or become unreadable during the run ------------------------------------

# Runs the real CLI, but after discovery (the file list is fixed) damages one file: the
# race "deleted/made unreadable while the run is under way", made deterministic.
RACE = """
import os, shutil, sys
import asynclint.run.discovery as discovery
target, action = sys.argv[1], sys.argv[2]
original = discovery.discover
def discover(*args, **kwargs):
    files = original(*args, **kwargs)
    if action == "delete":
        os.unlink(target)
    elif action == "directory":
        os.unlink(target); os.mkdir(target)
    else:
        os.chmod(target, 0)
    return files
discovery.discover = discover
from asynclint.cli import main
main(sys.argv[3:])
"""


def run_race(tmp_path: Path, action: str) -> "tuple[subprocess.CompletedProcess[str], List[dict]]":
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "victim.py", GOOD)
    done = subprocess.run(
        [sys.executable, "-c", RACE, "victim.py", action, "--select", "ALL", "--format", "json", "-j", "1", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout)


@pytest.mark.parametrize("action", ["delete", "directory"])
def test_file_gone_or_unreadable_during_run(tmp_path: Path, action: str) -> None:
    done, findings = run_race(tmp_path, action)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    mine = by_file(findings)["victim.py"]
    assert [f["code"] for f in mine] == ["AIO002"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_file_made_unreadable_during_run(tmp_path: Path) -> None:
    done, findings = run_race(tmp_path, "chmod")
    assert done.returncode == 1
    assert_good_checked(findings)
    assert [f["code"] for f in by_file(findings)["victim.py"]] == ["AIO002"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_named_explicitly(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    secret = write(tmp_path / "secret.py", GOOD)
    secret.chmod(0)
    try:
        done, findings = lint_json(["good.py", "secret.py"], tmp_path)
    finally:
        secret.chmod(0o644)
    assert done.returncode == 1
    assert_good_checked(findings)
    assert [f["code"] for f in by_file(findings)["secret.py"]] == ["AIO002"]


# -- paths --------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["nosuch.py", "nosuch_dir/", "dangling.py"])
def test_missing_path_is_one_line_and_exit_2(tmp_path: Path, missing: str) -> None:
    write(tmp_path / "good.py", GOOD)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "was_deleted.py")
    done = run_cli(["--select", "ALL", "good.py", missing], cwd=tmp_path, timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stdout == ""
    assert_one_line_error(done)
    assert missing.rstrip("/") in done.stderr


def test_symlink_loops_and_dangling_links_in_a_tree(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    write(pkg / "good.py", GOOD)
    (pkg / "loop_a").symlink_to(pkg / "loop_b")
    (pkg / "loop_b").symlink_to(pkg / "loop_a")
    (pkg / "up").symlink_to(tmp_path)  # a directory cycle
    (pkg / "self.py").symlink_to(pkg / "self.py")
    (pkg / "dangling.py").symlink_to(pkg / "gone.py")
    done, findings = lint_json(["-j", "1", "."], tmp_path, timeout=60)
    assert done.returncode == 1 and done.stderr == ""
    assert [(f["line"], f["code"]) for f in findings if f["code"] == "AIO100"] == [(GOOD_LINE, "AIO100")]


def test_directory_named_like_a_source_file(tmp_path: Path) -> None:
    write(tmp_path / "x.py" / "inner.py", GOOD)
    write(tmp_path / "good.py", GOOD)
    done, findings = lint_json(["-j", "1", "."], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    assert "inner.py" in by_file(findings)
    named, named_findings = lint_json(["x.py", "good.py"], tmp_path)
    assert named.returncode == 1 and named.stderr == ""
    assert "inner.py" in by_file(named_findings)


# -- configuration --------------------------------------------------------------------------------

BAD_CONFIGS = {
    "bad_toml": ("[tool.asynclint\nselect = ['AIO100']\n", "invalid TOML"),
    "unknown_key": ("[tool.asynclint]\nselec = ['AIO100']\n", "selec"),
    "unknown_code": ("[tool.asynclint]\nselect = ['AIO999']\n", "AIO999"),
    "wrong_type": ("[tool.asynclint]\nselect = 'AIO100'\n", "select"),
    "not_dotted": ("[tool.asynclint.blocking-calls]\n'not a name' = 'use x'\n", "blocking-calls"),
    "not_qualified": ("[tool.asynclint.blocking-calls]\nfetch = 'use x'\n", "blocking-calls"),
    "bad_target": ("[tool.asynclint]\ntarget-version = 'py27'\n", "target-version"),
    "not_utf8": (b"[tool.asynclint]\nselect = ['\xff']\n", "pyproject.toml"),
    "huge_unknown_key": ("[tool.asynclint]\n" + "k" * 1_000_000 + " = 1\n", "unknown key"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_naming_file_and_exit_2(tmp_path: Path, case: str) -> None:
    text, expected = BAD_CONFIGS[case]
    write(tmp_path / "pyproject.toml", text)
    write(tmp_path / "good.py", GOOD)
    done = run_cli(["good.py"], cwd=tmp_path, timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stdout == ""
    assert_one_line_error(done)
    assert "pyproject.toml" in done.stderr and expected in done.stderr


def test_one_megabyte_config_is_read_quickly(tmp_path: Path) -> None:
    """A big but valid blocking-calls table works, and its entries are used."""
    lines = ["[tool.asynclint.blocking-calls]"]
    lines += [f'"vendor{i}.client.call{i}" = "use the async client"' for i in range(20000)]
    lines.append('"mylib.fetch" = "use mylib.afetch"')
    config = write(tmp_path / "pyproject.toml", "\n".join(lines) + "\n")
    assert config.stat().st_size > 1_000_000
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "uses.py", "import mylib\n\n\nasync def g():\n    mylib.fetch()\n    await g()\n")
    start = time.perf_counter()
    done, findings = lint_json(["-j", "1", "."], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    assert [(f["line"], f["code"]) for f in by_file(findings)["uses.py"] if f["code"] == "AIO109"] == [(5, "AIO109")]
    assert time.perf_counter() - start < 60


# -- --fix that cannot write ---------------------------------------------------------------------


def test_read_only_file_under_fix_is_left_alone(tmp_path: Path) -> None:
    """Documented: the read-only file is not written (one warning line naming it), the
    other files are fixed, and the exit code is 1 because its finding remains."""
    locked = write(tmp_path / "locked.py", GOOD)
    write(tmp_path / "good.py", GOOD)
    locked.chmod(0o444)
    try:
        done = run_cli(["--select", "AIO100", "--fix", "--unsafe-fixes", "-j", "1", "."], cwd=tmp_path, timeout=TIMEOUT)
        assert "Traceback" not in done.stderr
        assert locked.read_text() == GOOD, "a read-only file was rewritten"
    finally:
        locked.chmod(0o644)
    assert "asyncio.sleep(1)" in (tmp_path / "good.py").read_text()
    assert done.returncode == 1
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "locked.py" in warnings[0], done.stderr
    assert "locked.py:5:" in done.stdout
    assert [p.name for p in tmp_path.iterdir() if "asynclint-tmp" in p.name] == []


# Runs the real CLI with every write of a fixed file failing as a full disk would.
DISK_FULL = """
import errno, os, sys
import asynclint.fixes.atomic_write as writing
real_fdopen = os.fdopen

class Full:
    def __init__(self, handle): self.handle = handle
    def __enter__(self): return self
    def __exit__(self, *exc): self.handle.close()
    def write(self, data):
        self.handle.write(data[: len(data) // 2])  # half-written, then the disk is full
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    def flush(self): pass
    def fileno(self): return self.handle.fileno()

class OsProxy:
    def __getattr__(self, name): return getattr(os, name)
    def fdopen(self, fd, *args, **kwargs): return Full(real_fdopen(fd, *args, **kwargs))

writing.os = OsProxy()
from asynclint.cli import main
main(sys.argv[1:])
"""


def test_disk_full_under_fix_leaves_originals_and_no_temp_files(tmp_path: Path) -> None:
    first = write(tmp_path / "first.py", GOOD)
    second = write(tmp_path / "second.py", GOOD.replace("nap", "doze"))
    before = {p.name: p.read_bytes() for p in (first, second)}
    done = subprocess.run([sys.executable, "-c", DISK_FULL, "--select", "AIO100", "--fix", "--unsafe-fixes", "-j", "1", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in (first, second)} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["first.py", "second.py"]
    assert done.returncode == 1
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 2, done.stderr
    assert all("No space left on device" in line for line in warnings)
    assert any("first.py" in line for line in warnings) and any("second.py" in line for line in warnings)
    assert "first.py:5:" in done.stdout and "second.py:5:" in done.stdout
