"""``--explain``, ``--list-rules``, standard input and the progress bar, via the real executable."""
from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path
from typing import Optional, Tuple

import pytest

from asynclint.codes import RULES

from conftest import find_asynclint

ASYNCLINT = str(find_asynclint())

BAD = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    await nap()\n"
FIXED = "import asyncio\n\n\nasync def nap():\n    await asyncio.sleep(1)\n    await nap()\n"


def asynclint(*args: str, cwd: Optional[Path] = None, stdin: Optional[bytes] = None) -> Tuple[int, str, str]:
    done = subprocess.run([ASYNCLINT, *args], cwd=cwd, input=stdin if stdin is not None else b"",
                          capture_output=True, timeout=300)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


# -- --explain and --list-rules -----------------------------------------------------------


def test_explain_prints_the_rule_page() -> None:
    code, out, err = asynclint("--explain", "aio100")
    assert code == 0 and err == ""
    assert out.startswith("# AIO100") and "blocking-sleep" in out.splitlines()[0]
    packaged = Path(__file__).resolve().parent.parent / "rules" / "AIO100.md"
    if packaged.exists():
        assert out.strip() == packaged.read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("bad", ["AIO999", "E501", ""])
def test_explain_unknown_code_is_one_line_and_exit_2(bad: str) -> None:
    code, out, err = asynclint("--explain", bad)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "unknown rule code" in err


def test_list_rules_is_a_table_of_every_rule() -> None:
    code, out, err = asynclint("--list-rules")
    assert code == 0 and err == ""
    header, *rows = out.splitlines()
    assert header.split() == ["CODE", "NAME", "DEFAULT", "FIX"]
    assert [row.split()[0] for row in rows] == list(RULES)
    for row in rows:
        rule_code, name, default, fix = row.split()
        rule = RULES[rule_code]
        assert name == rule.name
        assert default == ("on" if rule.default else "off")
        assert fix == (rule.fix or "-")


# -- standard input -------------------------------------------------------------------------


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.asynclint]\nselect = ["ALL"]\n[tool.asynclint.per-file-ignores]\n"tests/*" = ["AIO100"]\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "src").mkdir()
    return tmp_path


def test_stdin_reports_under_the_given_path(project: Path) -> None:
    code, out, err = asynclint("--stdin-filename", "src/mod.py", "--format", "json", cwd=project, stdin=BAD.encode())
    assert code == 1, err
    (finding,) = json.loads(out)
    assert (finding["path"], finding["line"], finding["column"], finding["code"]) == ("src/mod.py", 5, 5, "AIO100")
    assert not (project / "src" / "mod.py").exists()  # nothing was written


def test_stdin_dash_without_a_name(project: Path) -> None:
    code, out, _ = asynclint("-", cwd=project, stdin=BAD.encode())
    assert code == 1
    assert out.splitlines()[0].startswith("-:5:5: AIO100")


def test_stdin_applies_per_file_ignores_of_the_path(project: Path) -> None:
    code, out, err = asynclint("--stdin-filename", "tests/test_mod.py", "-", "-q", cwd=project, stdin=BAD.encode())
    assert (code, out, err) == (0, "", "")


def test_stdin_finds_configuration_from_the_paths_directory(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    target = str(project / "tests" / "test_mod.py")
    code, out, _ = asynclint("--stdin-filename", target, "-q", cwd=elsewhere, stdin=BAD.encode())
    assert (code, out) == (0, "")  # the project's per-file-ignores, found from the path's directory


def test_stdin_fix_prints_the_fixed_source(project: Path) -> None:
    code, out, err = asynclint("--stdin-filename", "src/mod.py", "--fix", "--unsafe-fixes", cwd=project, stdin=BAD.encode())
    assert code == 0, err
    assert out == FIXED
    assert "1 fixed, 0 remaining" in err
    assert not (project / "src" / "mod.py").exists()


def test_stdin_fix_reports_what_remains_on_stderr(project: Path) -> None:
    """The safe AIO501 fix is applied; AIO100's and AIO300's fixes are unsafe, so both remain."""
    source = "import asyncio\n" + BAD + "\n\nasync def drop():\n    loop = asyncio.get_event_loop()\n    asyncio.create_task(nap())\n    await nap()\n"
    code, out, err = asynclint("--fix", "-", cwd=project, stdin=source.encode())
    assert code == 1
    assert "loop = asyncio.get_running_loop()" in out and "time.sleep(1)" in out and "asyncio.create_task(nap())" in out
    remaining = [line for line in err.splitlines() if line.startswith("-:")]
    assert len(remaining) == 2 and " AIO100 " in remaining[0] and " AIO300 " in remaining[1], err


def test_stdin_that_cannot_be_decoded_is_one_finding(project: Path) -> None:
    code, out, _ = asynclint("-", "--format", "json", cwd=project, stdin=b"# -*- coding: nope -*-\nx = 1\n")
    assert code == 1
    (finding,) = json.loads(out)
    assert finding["code"] == "AIO002" and finding["path"] == "-"


@pytest.mark.parametrize(
    "args",
    [
        ["-", "other.py"],
        ["--stdin-filename", "x.py", "other.py"],
        ["--select", "NOPE", "-"],
        ["--format", "xml", "-"],
    ],
)
def test_bad_stdin_usage_is_one_line_and_exit_2(project: Path, args: list) -> None:
    (project / "other.py").write_text("x = 1\n")
    code, out, err = asynclint(*args, cwd=project, stdin=BAD.encode())
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


# -- progress bar ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("many")
    for i in range(301):
        (root / f"m{i:03}.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n    await f()\n"
                                          if i == 7 else "x = 1\n")
    return root


def run_with_tty_stderr(args: list, cwd: Path) -> Tuple[int, str, str]:
    """stdout is a pipe, stderr a pseudo-terminal, as when piping findings in a shell."""
    master, slave = pty.openpty()
    process = subprocess.Popen([ASYNCLINT, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = process.stdout.read().decode() if process.stdout else ""
    code = process.wait(timeout=300)
    os.close(master)
    return code, out, b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal(many_files: Path) -> None:
    code, out, err = run_with_tty_stderr(["--select", "ALL", "-j", "1", "."], many_files)
    assert code == 1
    assert "301/301 files" in err
    assert err.rstrip("\r\n").endswith("\x1b[K")  # cleared before the findings were printed
    assert out.startswith("m007.py:5:5: AIO100") and "\r" not in out


def test_no_progress_bar_in_machine_formats_or_without_a_terminal(many_files: Path) -> None:
    code, out, err = run_with_tty_stderr(["--select", "ALL", "--format", "json", "."], many_files)
    assert code == 1 and "files" not in err and json.loads(out)[0]["path"] == "m007.py"
    code, out, err = asynclint("--select", "ALL", ".", cwd=many_files)
    assert code == 1 and err == ""
