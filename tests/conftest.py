"""Shared test helpers: the installed ``asynclint`` executable and a way to run it.

Tests run the real console script (not ``cli.main`` in-process) so that what is tested is
what users get: the entry point, exit codes and everything written to stdout/stderr.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import pytest

# Generous: a slow CI machine may take a while, but a hang must not block the suite.
CLI_TIMEOUT = 300


def find_asynclint() -> Path:
    """The script installed next to this interpreter, so the venv under test is the one used."""
    beside = Path(sys.executable).parent / ("asynclint.exe" if os.name == "nt" else "asynclint")
    if beside.exists():
        return beside
    found = shutil.which("asynclint")
    if found is None:
        pytest.fail("the asynclint console script is not installed (pip install -e .)")
    return Path(found)


@pytest.fixture(scope="session")
def asynclint_exe() -> Path:
    return find_asynclint()


def run_cli(
    args: Sequence[Union[str, os.PathLike]],
    cwd: Optional[Union[str, os.PathLike]] = None,
    input: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = CLI_TIMEOUT,
) -> "subprocess.CompletedProcess[str]":
    """Run ``asynclint ARGS`` and capture its text output; ``env`` adds to the current environment."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [str(find_asynclint()), *[str(a) for a in args]],
        cwd=cwd,
        input=input if input is not None else "",
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
