"""Every module of the package imports on its own in a fresh interpreter.

The main process of a parallel run imports only what it needs (the workers analyse), so a
module that works only when another was imported first breaks a real run, not the suite.
"""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import asynclint

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(asynclint.__path__, "asynclint.")
    if info.name != "asynclint.__main__"  # runs the CLI when imported
)


def test_the_package_has_modules() -> None:
    assert "asynclint.engine" in MODULES and "asynclint.checks.registry" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_first(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
