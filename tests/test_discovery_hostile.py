"""What a repository can commit to make discovery or reading misbehave (issue 19, items 2, 8
and 11), through the installed command: symbolic links out of the project, FIFOs and
devices named like source files, huge sparse files, ``.gitignore`` files that are links or
FIFOs, and directories that cannot be listed.

Runs that could, before these were handled, read without bound are given an address-space
limit, so a regression fails with an error instead of exhausting the machine's memory; and
a timeout, so one that hangs fails instead of blocking the suite.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import pytest

from asynclint.source import ReadProblem, read_file
from conftest import find_asynclint, run_cli

GOOD = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    await nap()\n"
TIMEOUT = 60
# Far more than a run needs (about 300 MB of address space), far less than reading a 2 GB file.
MEMORY_LIMIT = 1 << 30

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and rlimits are POSIX features")
not_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can list a directory whatever its mode"
)


def write(path: Path, text: str = GOOD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lint(args: Sequence[str], cwd: Path) -> Tuple["subprocess.CompletedProcess[str]", List[dict]]:
    """``asynclint --format json`` in one process, its memory bounded where the OS allows."""

    def bound_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    try:
        done = subprocess.run(
            [str(find_asynclint()), "--no-cache", "-j", "1", "--select", "ALL", "--format", "json", *args],
            cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
            preexec_fn=bound_memory if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"asynclint {' '.join(args)} did not finish in {TIMEOUT} s")
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr[-2000:]
    return done, json.loads(done.stdout)


def reported(findings: List[dict], code: Optional[str] = None) -> List[Tuple[str, str]]:
    return [(f["path"], f["message"]) for f in findings if code is None or f["code"] == code]


def assert_good_checked(findings: List[dict], name: str = "good.py") -> None:
    assert (name, 5, "AIO100") in [(f["path"], f["line"], f["code"]) for f in findings], findings


# -- item 2: symbolic links ----------------------------------------------------------------------


@posix_only
def test_directory_links_do_not_lead_out_of_the_project(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    write(project / "good.py")
    write(outside / "pkg" / "elsewhere.py")
    (project / "x").symlink_to("/")  # before: the whole file system was walked
    (project / "out").symlink_to(outside / "pkg")
    (project / "inside").symlink_to(project)  # into the project: what it reaches is walked anyway
    (project / "linked.py").symlink_to(outside / "pkg" / "elsewhere.py")  # a file link is checked
    done, findings = lint(["."], project)
    assert done.returncode == 1 and done.stderr == ""
    assert sorted({f["path"] for f in findings}) == ["good.py", "linked.py"]
    assert_good_checked(findings)
    assert_good_checked(findings, "linked.py")
    named, named_findings = lint(["out"], project)  # a linked directory named explicitly is walked
    assert named.returncode == 1
    assert_good_checked(named_findings, os.path.join("out", "elsewhere.py"))


# -- item 8: only regular files, and never more than the limit -------------------------------------


@posix_only
def test_huge_sparse_file_is_too_large_without_being_read(tmp_path: Path) -> None:
    write(tmp_path / "good.py")
    with open(tmp_path / "huge.py", "wb") as handle:
        handle.truncate(2 << 30)  # 2 GiB of holes: costs no disk, would cost 2 GiB to read
    done, findings = lint(["."], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    assert reported(findings, "AIO002") == [
        ("huge.py", "file too large to analyse: 2048.0 MB (the max-file-size setting allows 1,048,576 bytes)")
    ]


@posix_only
@pytest.mark.parametrize("how", ["walked", "named"])
def test_fifo_named_like_a_source_file_is_reported_not_read(tmp_path: Path, how: str) -> None:
    write(tmp_path / "good.py")
    os.mkfifo(tmp_path / "pipe.py")  # no writer: opening it to read would wait for ever
    done, findings = lint(["."] if how == "walked" else ["pipe.py", "good.py"], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    assert reported(findings, "AIO002") == [("pipe.py", "not a regular file: a FIFO")]


@posix_only
def test_link_to_a_device_is_reported_not_read(tmp_path: Path) -> None:
    write(tmp_path / "good.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # endless: reading it exhausts memory
    done, findings = lint(["."], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    assert reported(findings, "AIO002") == [("zero.py", "not a regular file: a character device")]


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux /proc")
def test_read_stops_at_the_limit_whatever_stat_says() -> None:
    # /proc files are regular files whose stat size is 0; only a bounded read catches them.
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(ReadProblem, match="file too large"):
        read_file("/proc/self/status", limit=16)
    assert b"Name:" in read_file("/proc/self/status")


@posix_only
def test_gitignore_that_is_a_link_or_a_fifo_is_not_read(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "ignore-everything", "*.py\n")
    project = tmp_path / "project"
    write(project / "good.py")
    write(project / "a" / "good.py")
    write(project / "b" / "good.py")
    (project / ".gitignore").symlink_to(outside)  # git does not follow it either
    (project / "a" / ".gitignore").symlink_to("/dev/zero")
    os.mkfifo(project / "b" / ".gitignore")
    done, findings = lint(["."], project)
    assert done.returncode == 1 and done.stderr == ""
    for name in ("good.py", os.path.join("a", "good.py"), os.path.join("b", "good.py")):
        assert_good_checked(findings, name)


def test_gitignore_over_a_mebibyte_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "good.py")
    write(tmp_path / "skipped.py")
    write(tmp_path / ".gitignore", "skipped.py\n" + "# padding\n" * 110_000)
    done, findings = lint(["."], tmp_path)
    assert done.returncode == 1
    assert_good_checked(findings, "skipped.py")
    (tmp_path / ".gitignore").write_text("skipped.py\n")
    done, findings = lint(["."], tmp_path)
    assert {f["path"] for f in findings} == {"good.py"}


# -- item 11: directories that cannot be listed ---------------------------------------------------


@posix_only
@not_root
def test_unreadable_directory_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path / "good.py")
    write(tmp_path / "locked" / "hidden.py")
    (tmp_path / "locked").chmod(0)
    try:
        done, findings = lint(["."], tmp_path)
        ignored, ignored_findings = lint(["--ignore", "AIO002", "."], tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert done.returncode == 1 and done.stderr == ""
    assert_good_checked(findings)
    assert reported(findings, "AIO002") == [("locked/", "cannot read directory: Permission denied")]
    assert reported(ignored_findings, "AIO002") == []


# The real command, with os.scandir failing for one directory: covers the reporting where
# a chmod cannot (as root, which reads any directory).
SCANDIR_FAILS = """
import errno, os, sys
real_scandir = os.scandir
def scandir(path="."):
    if os.path.basename(os.fspath(path)) == "locked":
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    return real_scandir(path)
os.scandir = scandir
from asynclint.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_directory_scandir_cannot_list_is_reported(tmp_path: Path, output_format: str) -> None:
    write(tmp_path / "good.py")
    write(tmp_path / "locked" / "hidden.py")
    args = ["--no-cache", "--select", "ALL", "--format", output_format, "."]
    done = subprocess.run([sys.executable, "-c", SCANDIR_FAILS, *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    message = "cannot read directory: Permission denied"
    if output_format == "json":
        assert reported(json.loads(done.stdout), "AIO002") == [(os.path.join("locked", ""), message)]
    else:
        assert f"{os.path.join('locked', '')}:1:1: AIO002 {message}" in done.stdout.splitlines()
        assert "hidden.py" not in done.stdout
    ignored = subprocess.run([sys.executable, "-c", SCANDIR_FAILS, "--ignore", "AIO002", *args], cwd=tmp_path,
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert "AIO002" not in ignored.stdout and ignored.returncode == 1


@posix_only
def test_directory_deeper_than_the_path_limit_is_reported(tmp_path: Path) -> None:
    """A tree the walk cannot enter, even as root: its path exceeds PATH_MAX (4096 bytes)."""
    write(tmp_path / "good.py")
    name = "d" * 250
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(18):  # built one level at a time through directory descriptors
            os.mkdir(name, dir_fd=fd)
            deeper = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = deeper
    finally:
        os.close(fd)
    done = run_cli(["--no-cache", "--select", "ALL", "--format", "json", "."], cwd=tmp_path, timeout=TIMEOUT)
    assert done.returncode == 1 and done.stderr == ""
    findings = json.loads(done.stdout)
    assert_good_checked(findings)
    problems = reported(findings, "AIO002")
    assert len(problems) == 1 and problems[0][1] == "cannot read directory: File name too long"
    assert problems[0][0].endswith(name + "/") and len(problems[0][0].encode()) > 4096
