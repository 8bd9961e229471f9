"""The pre-commit hooks, run by the real ``pre-commit`` against this checkout.

pre-commit clones a hook repository at a commit, so uncommitted work would be invisible:
the test copies the current working tree (tracked and untracked, minus ignored files) into a
throwaway repository and commits it, then points a project's config at that copy. One test
does all three runs because building the hook environment is by far the slowest step.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")

BAD_SOURCE = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def snapshot_of_checkout(target: Path) -> str:
    """Commit the checkout's current files into a new repository; returns the commit id."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = CHECKOUT / name
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return git(target, "rev-parse", "HEAD")


def pre_commit(project: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PRE_COMMIT, "run", *args, "--all-files"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not (CHECKOUT / ".git").exists(), reason="needs the git checkout of asynclint")
def test_hooks_fail_fix_and_pass(tmp_path: Path) -> None:
    hooks_repo = tmp_path / "asynclint-snapshot"
    rev = snapshot_of_checkout(hooks_repo)

    project = tmp_path / "project"
    project.mkdir()
    (project / "bad.py").write_text(BAD_SOURCE)
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks_repo.as_posix()}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: asynclint\n"
        "        args: [--select, ALL]\n"
        "      - id: asynclint-fix\n"
        "        args: [--select, ALL, --unsafe-fixes]\n"
        "        stages: [manual]\n"
    )
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "bad")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}

    lint = pre_commit(project, env, "asynclint")
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "bad.py:5:5: AIO100" in lint.stdout

    fix = pre_commit(project, env, "--hook-stage", "manual", "asynclint-fix")
    assert fix.returncode == 1, fix.stdout + fix.stderr  # pre-commit fails a hook that changed files
    fixed = (project / "bad.py").read_text()
    assert "await asyncio.sleep(1)" in fixed and "time.sleep" not in fixed

    again = pre_commit(project, env, "asynclint")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout
