"""The package stays readable: no module in the re-housed packages over 400 lines (issue 20),
and each says in its docstring why it exists.

Packages join ``REHOUSED`` as they are split; the goal is every package of ``asynclint/``.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "asynclint"
REHOUSED = ["run"]
MAX_LINES = 400


def modules() -> List[Path]:
    return sorted(path for name in REHOUSED for path in (PACKAGE / name).glob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_module_is_at_most_400_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines"


@pytest.mark.parametrize("path", modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_module_says_why_it_exists(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 5, f"{path.name} has no module docstring"
