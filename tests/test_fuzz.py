"""Fuzzing the engine in-process (issue 7): generated programs and mutated fixtures.

Properties: no AIO003 (internal error) and no exception escapes; with every rule and every
fix (unsafe too) enabled, a fixed text parses and a second fix pass changes nothing.
Bounded for CI by ASYNCLINT_FUZZ_EXAMPLES (default 30); raise it to fuzz longer by hand.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List

import libcst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

hypothesmith = pytest.importorskip("hypothesmith")

from asynclint.codes import RULES  # noqa: E402
from asynclint.config import Settings  # noqa: E402
from asynclint.fixes.policy import FixPolicy  # noqa: E402
from asynclint.fixes.apply import fix_text  # noqa: E402
from asynclint.run.check_file import analyze_text, check_text  # noqa: E402
from asynclint.run.link_phase import build_index

EXAMPLES = int(os.environ.get("ASYNCLINT_FUZZ_EXAMPLES", "30"))
ALL = frozenset(RULES)
POLICY = FixPolicy(unsafe=True)
PATH = Path("fuzzed_module.py")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


def check_and_fix(text: str) -> None:
    config = Settings(target_version=(3, 13))
    findings = check_text(text, "fuzzed_module.py", PATH, config, ALL)
    internal = [f for f in findings if f.code == "AIO003"]
    assert internal == [], internal
    if not any(f.fix is not None for f in findings):
        return
    index = build_index([analyze_text(text, "fuzzed_module.py", PATH, config, ALL)], {"fuzzed_module.py": text}.get)
    fixed, applied = fix_text(text, "fuzzed_module.py", PATH, config, ALL, index, POLICY)
    if not applied:
        return
    libcst.parse_module(fixed)  # raises if the fix broke the file
    index = build_index([analyze_text(fixed, "fuzzed_module.py", PATH, config, ALL)], {"fuzzed_module.py": fixed}.get)
    again, _ = fix_text(fixed, "fuzzed_module.py", PATH, config, ALL, index, POLICY)
    assert again == fixed, "a second fix pass changed the file"


@FUZZ
@given(hypothesmith.from_grammar())
def test_generated_programs(source: str) -> None:
    check_and_fix(source)


@FUZZ
@given(hypothesmith.from_node())
def test_generated_syntax_trees(source: str) -> None:
    check_and_fix(source)


def fixture_texts() -> List[str]:
    texts = []
    for path in sorted(FIXTURES.glob("**/*.py")):
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue  # the undecodable-file fixture is not a mutation seed
    return texts


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    texts = fixture_texts()
    if not texts:
        pytest.skip("no fixtures to mutate")
    lines = draw(st.sampled_from(texts)).splitlines(keepends=True)
    if not lines:
        return ""
    indices = st.integers(min_value=0, max_value=len(lines) - 1)
    for index in sorted(draw(st.sets(indices, max_size=4)), reverse=True):
        del lines[index]  # deleted lines
    for index in draw(st.lists(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)), max_size=4)):
        if lines:
            indent = draw(st.sampled_from(["", " ", "    ", "        ", "\t", "  \t"]))
            lines[index] = indent + lines[index].lstrip(" \t")  # shuffled indentation
    return "".join(lines)


@FUZZ
@given(mutated_fixture())
def test_mutated_fixtures(source: str) -> None:
    check_and_fix(source)
