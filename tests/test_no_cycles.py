"""Analysing a file leaves nothing for the cycle collector.

A parsed tree is thousands of objects. If anything the walk builds points back at itself
(a bound method kept on the walker, a callback holding its context), the whole tree
survives its file until a full collection finds it, and on a large run those collections
cost as much as a tenth of the analysis. Reference counting must free it instead.
"""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Iterator, List

import pytest

from asynclint.codes import RULES
from asynclint.config import Settings
from asynclint.run.check_file import analyze_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _sources() -> List[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py") if p.name != "write_byte_fixtures.py")


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_analysis_leaves_no_cyclic_garbage(path: Path, no_automatic_collection: None) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8 text; the decoder's cases are tested elsewhere")
    result = analyze_text(text, str(path), path, Settings(), frozenset(RULES))
    assert result.facts is not None or result.findings  # it was analysed
    del result
    assert gc.collect() == 0
