"""The one bounded, non-blocking read of a file, shared by checking and fixing."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from asynclint.fixes.atomic_write import Refused, read_for_fix
from asynclint.source import ReadProblem, read_file, read_file_and_stat


def test_bytes_and_stat_come_from_the_same_open_file(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n")
    data, status = read_file_and_stat(path)
    (tmp_path / "b.py").write_bytes(b"y = 22\n")
    os.replace(tmp_path / "b.py", path)
    assert data == b"x = 1\n" and status.st_size == len(data)
    assert status.st_ino != os.stat(path).st_ino  # the stat is of what was read, not of the path now


def test_read_file_is_the_same_read(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n" * 10)
    assert read_file(path) == read_file_and_stat(path)[0]
    with pytest.raises(ReadProblem, match="file too large"):
        read_file(path, limit=10)
    with pytest.raises(ReadProblem, match="file too large"):
        read_file_and_stat(path, limit=10)


def test_cannot_read_is_an_os_error_for_fixing_and_a_read_problem_for_checking(tmp_path: Path) -> None:
    missing = tmp_path / "gone.py"
    with pytest.raises(FileNotFoundError):
        read_file_and_stat(missing)
    with pytest.raises(ReadProblem, match="cannot read file: No such file"):
        read_file(missing)


def test_a_symbolic_link_is_refused_when_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_text("x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert read_file_and_stat(link)[0] == b"x = 1\n"
    with pytest.raises(ReadProblem, match="a symbolic link"):
        read_file_and_stat(link, follow_symlinks=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need os.mkfifo (not on Windows)")
def test_a_fifo_is_refused_without_blocking_when_read_for_a_fix(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    outcome: list = []

    def attempt() -> None:
        try:
            read_for_fix(fifo, tmp_path)
        except Refused as error:
            outcome.append(str(error))

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=60)  # a hang guard: a blocking open would never return
    assert outcome == ["it is not a regular file"]


def test_a_fix_snapshot_holds_the_stat_of_the_bytes_it_read(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"import time\n")
    snapshot = read_for_fix(path, tmp_path)
    status = os.stat(path)
    assert snapshot.data == b"import time\n"
    assert snapshot.identity[:4] == (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
