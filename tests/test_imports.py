"""Every module of the package imports on its own in a fresh interpreter.

The main process of a parallel run imports only what it needs (the workers analyse), so a
module that works only when another was imported first breaks a real run, not the suite.
"""
from __future__ import annotations

import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import asynclint
from conftest import run_cli

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(asynclint.__path__, "asynclint.")
    if info.name != "asynclint.__main__"  # runs the CLI when imported
)


def test_the_package_has_modules() -> None:
    assert "asynclint.engine.walker" in MODULES and "asynclint.checks.registry" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_first(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]


# -- LibCST is imported only when a file is parsed ---------------------------------------


def imports_libcst(args: list, cwd: Path) -> bool:
    """Whether ``asynclint ARGS`` imported LibCST, from CPython's own import log."""
    done = run_cli(args, cwd=cwd, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "Traceback" not in done.stderr
    return any(re.search(r"\|\s+libcst$", line.rstrip()) for line in done.stderr.splitlines())


@pytest.mark.parametrize("args", [["--version"], ["--list-rules"], ["--explain", "AIO100"]])
def test_informational_options_do_not_import_libcst(tmp_path: Path, args: list) -> None:
    assert not imports_libcst(args, tmp_path)


@pytest.mark.parametrize("output", ["text", "json", "github", "sarif"])
def test_warm_run_does_not_import_libcst(tmp_path: Path, output: str) -> None:
    (tmp_path / "mod.py").write_text("import os\n\n\nasync def f(p):\n    return os.listdir(p)\n")
    args = ["--format", output, "."]
    imports_libcst(args, tmp_path)  # the cold run: its workers parse the file
    assert not imports_libcst(args, tmp_path)
    # The log is read right: fixing parses in the main process.
    assert imports_libcst(["--diff", "--unsafe-fixes", "."], tmp_path)


def test_linking_after_an_edit_does_not_import_libcst(tmp_path: Path) -> None:
    """A run where one file changed: a worker parses that file, and the main process links
    every file, confirming findings through each family's confirmation, without LibCST.

    The import log is the main process's own: workers write their stderr elsewhere, so
    the cold run (whose worker imports LibCST to parse both files) logs none either.
    """
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef save():\n    time.sleep(1)\n\n\nasync def fetch():\n    return 1\n")
    app = tmp_path / "app.py"
    app.write_text("from helpers import fetch, save\n\n\nasync def main():\n    save()\n    fetch()\n")
    args = ["--format", "json", "."]
    assert not imports_libcst(args, tmp_path)  # the cold run
    app.write_text("from helpers import fetch, save\n\n\nasync def main():\n    fetch()\n    save()\n    if fetch():\n        pass\n")
    assert not imports_libcst(args, tmp_path)
    done = run_cli(args, cwd=tmp_path)
    found = {(f["path"], f["line"], f["code"]) for f in json.loads(done.stdout)}
    assert found == {("app.py", 5, "AIO200"), ("app.py", 6, "AIO110"), ("app.py", 7, "AIO202")}
