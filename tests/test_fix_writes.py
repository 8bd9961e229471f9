"""What ``--fix`` writes, through the installed CLI (issue 19): never over an edit made
while fixing, never through a symbolic link, never splitting a hard link, keeping the
owner and group, and removing the temporaries a killed run left behind.

Every project has ``good.py`` with one AIO100 fix (unsafe: it adds a suspension point, so
the runs pass ``--unsafe-fixes``), so "the other files are still fixed" is asserted, not
assumed.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import pytest

from conftest import find_asynclint, run_cli

GOOD = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    await nap()\n"
GOOD_LINE = 5
TIMEOUT = 120


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fix(cwd: Path, *paths: str) -> "subprocess.CompletedProcess[str]":
    done = run_cli(["--select", "AIO100", "--fix", "--unsafe-fixes", "--no-cache", "-j", "1", *paths], cwd=cwd, timeout=TIMEOUT)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done


def warnings(stderr: str) -> List[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_fixed(path: Path) -> None:
    assert path.read_text() == GOOD.replace("import time", "import asyncio").replace("time.sleep", "await asyncio.sleep")


# -- an edit made while --fix runs ----------------------------------------------------------------

# A file whose fix takes long enough (a second or more here) for several appends to land
# while it is computed. Appends are rare (PAUSE apart): the check before the rename leaves
# a window of about 100 microseconds, so an append lands in it with a chance of about
# 100 us / PAUSE per run, while the old code lost every append made during the fix.
SITES = 400
PAUSE = 0.3
BIG = "import time\n\n\n" + "".join(f"async def f{i}():\n    time.sleep({i})\n\n\n" for i in range(SITES))


def append_while_running(process: "subprocess.Popen[str]", target: Path) -> List[str]:
    """Append a unique comment line to ``target`` every PAUSE seconds until ``process`` ends;
    the markers written, each logged only once its write has completed."""
    written: List[str] = []
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        marker = f"# marker {len(written)}\n"
        with open(target, "a") as handle:
            handle.write(marker)
        written.append(marker)
        time.sleep(PAUSE)
    return written


def is_fixed_big(text: str) -> bool:
    compile(text, "big.py", "exec")
    return "time.sleep" not in text and text.count("await asyncio.sleep(") == SITES


def test_an_edit_made_while_fixing_is_never_overwritten(tmp_path: Path) -> None:
    big = write(tmp_path / "big.py", BIG)
    write(tmp_path / "good.py", GOOD)
    process = subprocess.Popen([str(find_asynclint()), "--select", "AIO100", "--fix", "--unsafe-fixes", "--no-cache", "-j", "1", "-q", "."],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        written = append_while_running(process, big)
        _out, err = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert "Traceback" not in err, err[-2000:]
    text = big.read_text()
    lost = [marker for marker in written if marker not in text]
    assert lost == [], f"{len(lost)} of {len(written)} edits made during --fix were overwritten"
    without_markers = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("# marker "))
    assert_fixed(tmp_path / "good.py")
    if without_markers == BIG:  # an append landed while the fix was computed: left alone
        assert warnings(err) == ["asynclint: warning: big.py: not fixed: the file changed while it was being fixed"]
        assert process.returncode == 1
    else:  # no append landed while the fix was computed
        assert is_fixed_big(without_markers)
        assert err == ""


# -- links, ownership and stale temporaries: one shared run ------------------------------------

OUTSIDE_LINK = os.path.join("linked_out", "mod.py")
INSIDE_LINK = os.path.join("linked_in", "mod.py")
OWNER = (4321, 8765)


@dataclass
class Run:
    root: Path  # holds the project and what lies outside it
    project: Path
    done: "subprocess.CompletedProcess[str]"
    gone: List[Path]  # stale temporaries that must be removed
    kept: List[Path]  # files named almost like them, or too young, that must stay


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One ``--fix`` run over every case below. The files are named explicitly, so the run
    does not depend on whether discovery walks into linked directories."""
    root = tmp_path_factory.mktemp("writes")
    project = root / "project"
    write(project / "good.py", GOOD)
    (project / "link.py").symlink_to(write(root / "outside" / "target.py", GOOD))
    (project / "linked_out").symlink_to(write(root / "outside_dir" / "mod.py", GOOD).parent, target_is_directory=True)
    (project / "linked_in").symlink_to(write(project / "real" / "mod.py", GOOD).parent, target_is_directory=True)
    os.link(write(project / "shared.py", GOOD), root / "elsewhere.py")
    owned = write(project / "owned.py", GOOD)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(owned, *OWNER)
    owned.chmod(0o664)
    write(project / "pkg" / "clean.py", "x = 1\n")
    gone, kept = leave_temporaries(project)
    done = fix(project, "good.py", "link.py", OUTSIDE_LINK, INSIDE_LINK, "shared.py", "owned.py", "pkg/clean.py")
    return Run(root, project, done, gone, kept)


def leave_temporaries(project: Path) -> Tuple[List[Path], List[Path]]:
    """What killed runs (and the user) left: stale temporaries of our naming and look-alikes."""
    two_minutes_ago = time.time() - 120

    def left(relative: str, stale: bool = True) -> Path:
        path = write(project / relative, "half-written\n")
        if stale:
            os.utime(path, (two_minutes_ago, two_minutes_ago))
        return path

    gone = [left(".good.py.a1b2c3_d.asynclint-tmp"), left("pkg/.clean.py.zzzzzzzz.asynclint-tmp")]
    kept = [
        left(".good.py.k9k9k9k9.asynclint-tmp", stale=False),  # a run fixing right now may own it
        left("good.py.a1b2c3d4.asynclint-tmp"),  # not hidden: not our name
        left(".good.py.a1b2c3.asynclint-tmp"),  # six characters, not mkstemp's eight
        left(".good.py.A1B2C3D4.asynclint-tmp"),  # mkstemp's names are lower case
        left(".good.py.a1b2c3d4.asynclint-tmp.orig"),
        left("docs/.old.py.a1b2c3d4.asynclint-tmp"),  # no checked file in docs/
    ]
    # Never through a link: a link named like a stale temporary stays, and so does its target.
    link = project / ".evil.py.a1b2c3d4.asynclint-tmp"
    link.symlink_to(left("notes.txt"))
    os.utime(link, (two_minutes_ago, two_minutes_ago), follow_symlinks=False)
    kept.append(link)
    return gone, kept


def warned(run: Run, shown: str) -> List[str]:
    return [line for line in warnings(run.done.stderr) if line.startswith(f"asynclint: warning: {shown}: ")]


def test_other_files_are_fixed_and_the_exit_code_is_1(run: Run) -> None:
    assert_fixed(run.project / "good.py")
    assert run.done.returncode == 1
    assert len(warnings(run.done.stderr)) == 4, run.done.stderr  # the four links below, one line each


def test_symlinked_file_is_reported_but_not_written(run: Run) -> None:
    """A repository can commit ``link.py -> /anywhere``; --fix must not write there."""
    assert (run.root / "outside" / "target.py").read_text() == GOOD
    assert (run.project / "link.py").is_symlink()
    assert warned(run, "link.py") == ["asynclint: warning: link.py: not fixed: it is a symbolic link; fix the file it points to"]
    assert f"link.py:{GOOD_LINE}:" in run.done.stdout


@pytest.mark.parametrize("shown, real", [(OUTSIDE_LINK, "outside_dir/mod.py"), (INSIDE_LINK, "project/real/mod.py")])
def test_file_in_symlinked_directory_is_not_written(run: Run, shown: str, real: str) -> None:
    assert (run.root / real).read_text() == GOOD
    assert warned(run, shown) == [
        f"asynclint: warning: {shown}: not fixed: it is inside a symbolically linked directory; fix the file it points to"
    ]
    assert f"{shown}:{GOOD_LINE}:" in run.done.stdout


def test_hard_linked_file_is_not_split(run: Run) -> None:
    """Renaming a fixed copy over one name would split the link; writing in place would
    change the other name too (a backup made with ``cp -al``, say). Neither is done."""
    shared, other = run.project / "shared.py", run.root / "elsewhere.py"
    assert shared.read_text() == GOOD and other.read_text() == GOOD
    assert os.path.samefile(shared, other) and shared.stat().st_nlink == 2
    assert warned(run, "shared.py") == [
        "asynclint: warning: shared.py: not fixed: it has 2 hard links; a fix would split them or change every linked copy"
    ]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file to another user")
def test_fix_run_as_root_keeps_owner_and_group(run: Run) -> None:
    owned = run.project / "owned.py"
    assert_fixed(owned)
    status = owned.stat()
    assert (status.st_uid, status.st_gid, status.st_mode & 0o7777) == (*OWNER, 0o664)


def test_stale_temporaries_are_removed_and_nothing_else(run: Run) -> None:
    assert [path.name for path in run.gone if os.path.lexists(path)] == []
    assert [path.name for path in run.kept if not os.path.lexists(path)] == []
    assert (run.project / "notes.txt").read_text() == "half-written\n"


def test_a_directory_run_fixes_the_file_not_its_link(tmp_path: Path) -> None:
    """Discovery lists a file once; when a link to it sorts first, the file's own name is the
    one kept, so ``--fix .`` fixes it instead of refusing the link."""
    real = write(tmp_path / "real.py", GOOD)
    (tmp_path / "alias.py").symlink_to("real.py")
    done = fix(tmp_path, ".")
    assert warnings(done.stderr) == [], done.stderr
    assert_fixed(real)
    assert (tmp_path / "alias.py").is_symlink()
