"""Parallel and cached runs must report exactly what a serial run without a cache reports.

Everything goes through the installed CLI, in a generated project large enough (more files
than the runner's parallel threshold) for ``--jobs 2`` to use worker processes.
"""
from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from conftest import find_asynclint

EXE = find_asynclint()

Row = Tuple[str, int, int, str, str]

SLOW = """\
import time


def slow_helper():
    time.sleep(1)


def indirect_helper():
    slow_helper()
"""

FAST = """\
def slow_helper():
    return 1


def indirect_helper():
    slow_helper()
"""


def make_project(root: Path, modules: int = 24) -> None:
    pkg = root / "shop"
    pkg.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.asynclint]\nselect = ['ALL']\n")
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text(SLOW)
    for i in range(modules):
        (pkg / f"handler_{i}.py").write_text(textwrap.dedent(f"""\
            import asyncio
            import time

            from .util import indirect_helper


            async def handle_{i}(request):
                indirect_helper()
                time.sleep({i})
                asyncio.create_task(request.done())
                return request
            """))


def lint(root: Path, *args: str) -> Tuple[int, List[Row]]:
    done = subprocess.run(
        [str(EXE), "--format", "json", *args, "shop"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    rows = [(f["path"], f["line"], f["column"], f["code"], f["message"]) for f in json.loads(done.stdout)]
    return done.returncode, rows


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    make_project(tmp_path)
    return tmp_path


def cache_files(root: Path) -> List[Path]:
    return sorted(p for p in (root / ".asynclint_cache").rglob("*.json*"))


def assert_valid_json(path: Path) -> None:
    """Both cache files are JSON lines: per-file entries, and the linked findings then the
    names each file's linking looked up."""
    assert path.suffix == ".jsonl"
    text = path.read_text()
    assert text.endswith("\n")
    for line in text.splitlines():
        json.loads(line)


def test_parallel_and_cached_runs_match_a_serial_uncached_run(project: Path) -> None:
    baseline = lint(project, "--no-cache", "--jobs", "1")
    assert any(row[3] == "AIO110" for row in baseline[1])
    assert not (project / ".asynclint_cache").exists(), "--no-cache must not write a cache"

    assert lint(project, "--jobs", "2") == baseline  # cold: fills the cache
    assert cache_files(project), "the default run keeps a cache at the project root"
    assert lint(project, "--jobs", "2") == baseline  # warm
    assert lint(project, "--jobs", "1") == baseline


def test_editing_an_imported_file_updates_the_files_that_import_it(project: Path) -> None:
    _, before = lint(project, "--jobs", "2")
    assert sum(row[3] == "AIO110" for row in before) == 24

    (project / "shop" / "util.py").write_text(FAST)
    cached = lint(project, "--jobs", "2")
    assert cached == lint(project, "--no-cache", "--jobs", "1")
    assert not any(row[3] == "AIO110" for row in cached[1])

    (project / "shop" / "util.py").write_text(SLOW)
    assert lint(project, "--jobs", "2") == (1, before)


def test_a_changed_file_is_analysed_again(project: Path) -> None:
    lint(project)
    target = project / "shop" / "handler_3.py"
    target.write_text(target.read_text().replace("time.sleep(3)", "await asyncio.sleep(3)"))
    cached = lint(project)
    assert cached == lint(project, "--no-cache")
    assert not any(row[0].endswith("handler_3.py") and row[3] == "AIO100" for row in cached[1])


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff not json",
        b'{"format": 1, "files": {"shop/util.py": [null, "x", "shop.util", "y", [[["evil"]], [], null]]}}',
        b'{"format": 1, "stats": {"shop/util.py": [1, 2]}, "findings": [[1, 2, 3]]}',
        b"[]",
        b'{"format": 2}\n[["shop/util.py", null, "x", "shop.util", "y"], [["evil"], [], [], null]]\n',
        b'{"format": 2}\n[["shop/util.py", [1, 2], "x", "shop.util"], 7]\n[[',
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored_and_rewritten(project: Path, garbage: bytes) -> None:
    expected = lint(project, "--no-cache")
    lint(project)
    files = cache_files(project)
    assert files
    for path in files:
        path.write_bytes(garbage)
    assert lint(project) == expected
    assert {p.suffix for p in cache_files(project)} == {".jsonl"}
    for path in cache_files(project):
        assert_valid_json(path)  # rewritten
    assert lint(project) == expected


def test_cache_dir_option_and_setting(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cache")
    expected = lint(project, "--no-cache")
    assert lint(project, "--cache-dir", str(elsewhere)) == expected
    assert list(elsewhere.rglob("*.jsonl"))
    assert not (project / ".asynclint_cache").exists()

    (project / "pyproject.toml").write_text("[tool.asynclint]\nselect = ['ALL']\ncache-dir = 'build/lint-cache'\n")
    assert lint(project) == expected
    assert list((project / "build" / "lint-cache").rglob("*.jsonl"))


def test_settings_are_part_of_the_cache_key(project: Path) -> None:
    lint(project)
    _, only_sleep = lint(project, "--select", "AIO100")
    assert only_sleep and {row[3] for row in only_sleep} == {"AIO100"}
    _, everything = lint(project)
    assert {row[3] for row in everything} >= {"AIO100", "AIO110", "AIO300"}


def test_an_unwritable_cache_directory_is_not_an_error(project: Path) -> None:
    # A regular file where the cache directory should be: even root cannot create it.
    blocker = project / "not-a-directory"
    blocker.write_text("")
    expected = lint(project, "--no-cache")
    done = subprocess.run(
        [str(EXE), "--format", "json", "--cache-dir", str(blocker / "cache"), "shop"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == expected[0] and "Traceback" not in done.stderr
    assert json.loads(done.stdout) and blocker.read_text() == ""


def test_an_edit_that_moves_a_cited_line_rewrites_the_messages_that_cite_it(project: Path) -> None:
    """util.py tells the index the same facts after a comment is added above its blocking
    call, so the other files are not linked again, except where a message cites its line."""
    lint(project)
    util = project / "shop" / "util.py"
    util.write_text("# a comment\n# and another\n" + SLOW)
    cached = lint(project)
    assert cached == lint(project, "--no-cache")
    assert any("util.py:7)" in row[4] for row in cached[1] if row[3] == "AIO110")


def test_an_edit_inside_one_coroutine_changes_only_that_file(project: Path) -> None:
    _, before = lint(project)
    target = project / "shop" / "handler_5.py"
    target.write_text(target.read_text().replace("return request", "time.sleep(0.5)\n    return request"))
    cached = lint(project)
    assert cached == lint(project, "--no-cache")
    assert [row for row in cached[1] if not row[0].endswith("handler_5.py")] == [
        row for row in before if not row[0].endswith("handler_5.py")
    ]
    assert sum(row[0].endswith("handler_5.py") and row[3] == "AIO100" for row in cached[1]) == 2
