"""A file's own selection decides what is reported in it, never what it tells the project.

Other files' AIO110 and AIO200 findings rest on what a module defines (a helper that
blocks, a coroutine function), so a per-file-ignores entry for the helper's file must not
hide them. Run through the installed command, with and without the cache.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

HELPERS = "import time\n\n\ndef save():\n    time.sleep(1)\n\n\nasync def fetch():\n    return 1\n"
APP = "from pkg.helpers import fetch, save\n\n\nasync def main():\n    save()\n    fetch()\n"


def project(root: Path, ignores: str) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "helpers.py").write_text(HELPERS)
    (root / "pkg" / "app.py").write_text(APP)
    (root / "pyproject.toml").write_text(f"[tool.asynclint]\nper-file-ignores = {{ {ignores} }}\n")
    return root


def codes_by_file(root: Path, *extra: str) -> set:
    done = run_cli(["--format", "json", *extra, "."], cwd=root)
    assert done.returncode == 1, done.stderr
    return {(f["path"], f["line"], f["code"]) for f in json.loads(done.stdout)}


@pytest.mark.parametrize("ignores", ['"pkg/helpers.py" = ["AIO1", "AIO2"]', '"pkg/help*" = ["ALL"]'])
@pytest.mark.parametrize("cache", [["--no-cache"], []])
def test_ignored_helper_still_informs_its_callers(tmp_path: Path, ignores: str, cache: list) -> None:
    root = project(tmp_path, ignores)
    expected = {("pkg/app.py", 5, "AIO110"), ("pkg/app.py", 6, "AIO200")}
    assert codes_by_file(root, *cache) == expected
    if not cache:  # the cached run gives the same answer
        assert codes_by_file(root) == expected


def test_ignored_helper_reports_nothing_itself(tmp_path: Path) -> None:
    root = project(tmp_path, '"pkg/helpers.py" = ["ALL"]')
    (root / "pkg" / "helpers.py").write_text(HELPERS + "\n\nasync def later():\n    time.sleep(1)\n")
    assert all(path == "pkg/app.py" for path, _, _ in codes_by_file(root, "--no-cache"))
