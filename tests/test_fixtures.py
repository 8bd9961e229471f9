"""The annotated fixtures in fixtures/ against one real run of the installed CLI.

Each fixture states what it expects in trailing comments on the reported line:
``# error: AIO100`` (or ``# error: AIO100, AIO104``) for findings that must appear, and
``# xfail: AIO110 reason`` for findings that should appear but are a known limitation
today, and ``# false-positive: AIO107 reason`` for findings that appear today but should
not. Both are strict: the test fails once the engine is fixed, so the mark gets updated. A
line without such a comment must produce nothing. Comments are read with ``tokenize`` so
a string that happens to contain ``# error:`` is not an annotation.

The whole fixtures tree is linted once per test session (one subprocess), and every test
compares against that run, so adding a fixture costs one file, not one CLI start.
"""
from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from asynclint.codes import RULES

from conftest import find_asynclint

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EXAMPLES = REPO / "examples"
ASYNCLINT = str(find_asynclint())

# AIO003 (a rule crashing) cannot be provoked by any source file; unit tests cover it.
FILE_LEVEL_ONLY_IN_UNIT_TESTS = {"AIO003"}

_ANNOTATION = re.compile(
    r"#\s*(?P<kind>error|xfail|false-positive):\s*(?P<codes>AIO\d{3}(?:\s*,\s*AIO\d{3})*)(?P<reason>[^#]*)"
)
_CODE = re.compile(r"AIO\d{3}")

Key = Tuple[str, int, str]  # (path relative to fixtures/, line, code)


@dataclass
class Expectations:
    errors: Set[Key] = field(default_factory=set)
    xfails: Dict[Key, str] = field(default_factory=dict)  # should be reported, is not yet
    false_positives: Dict[Key, str] = field(default_factory=dict)  # is reported, should not be


def _comments(raw: bytes) -> List[Tuple[int, str]]:
    """(line, text) of every comment; falls back to a line scan for files that do not tokenize.

    The fallback exists for the fixtures that are broken on purpose (bad syntax, bad
    encoding): their annotations must still be readable.
    """
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(raw).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, IndentationError):
        lines = raw.decode("latin-1").splitlines()
        return [(number, line[line.index("#"):]) for number, line in enumerate(lines, 1) if "#" in line]
    return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]


def parse_annotations(path: Path, relative: str) -> Expectations:
    expected = Expectations()
    for line, comment in _comments(path.read_bytes()):
        # A comment may hold several markers: "# noqa: AIO104  # error: AIO100".
        for match in _ANNOTATION.finditer(comment):
            codes = _CODE.findall(match.group("codes"))
            for code in codes:
                key = (relative, line, code)
                kind, reason = match.group("kind"), match.group("reason").strip()
                if kind == "error":
                    expected.errors.add(key)
                elif kind == "xfail":
                    expected.xfails[key] = reason
                else:
                    expected.false_positives[key] = reason
    return expected


def fixture_files() -> List[Path]:
    """Every fixture source, leaving out fixtures/fixes/ (the fixer's own test owns it)."""
    return sorted(
        path for path in FIXTURES.rglob("*.py")
        if "fixes" not in path.relative_to(FIXTURES).parts and "__pycache__" not in path.parts
    )


def run_cli(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    """The installed CLI; callers pass --no-cache so the engine under test is what answers."""
    return subprocess.run([ASYNCLINT, *args], cwd=cwd, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def expectations() -> Expectations:
    merged = Expectations()
    for path in fixture_files():
        found = parse_annotations(path, path.relative_to(FIXTURES).as_posix())
        merged.errors |= found.errors
        merged.xfails.update(found.xfails)
        merged.false_positives.update(found.false_positives)
    return merged


@pytest.fixture(scope="module")
def fixture_run() -> List[dict]:
    """One run over the fixtures directory; fixtures/pyproject.toml is found from the cwd."""
    done = run_cli(["--no-cache", "--format", "json", "--select", "ALL", "."], cwd=FIXTURES)
    stderr = done.stderr.decode(errors="replace")
    assert done.returncode == 1, f"expected exit 1 (findings), got {done.returncode}: {stderr}"
    assert "Traceback" not in stderr, stderr
    return json.loads(done.stdout)


def _key(finding: dict) -> Key:
    path = Path(finding["path"])
    relative = path.relative_to(FIXTURES) if path.is_absolute() else path
    return (relative.as_posix(), finding["line"], finding["code"])


def _describe(keys: Set[Key], messages: Dict[Key, str]) -> List[str]:
    return [f"  {p}:{line}: {code} {messages.get((p, line, code), '')}".rstrip() for p, line, code in sorted(keys)]


def test_fixture_findings_match_annotations(fixture_run: List[dict], expectations: Expectations) -> None:
    reported = {_key(f) for f in fixture_run}
    messages = {_key(f): f["message"] for f in fixture_run}
    assert {k[0] for k in reported} <= {p.relative_to(FIXTURES).as_posix() for p in fixture_files()}, (
        "findings in files outside the annotated fixtures (is fixtures/fixes excluded?)"
    )
    wrong = set(expectations.false_positives)
    missing = expectations.errors - reported
    unexpected = reported - expectations.errors - set(expectations.xfails) - wrong
    now_passing = reported & set(expectations.xfails)
    now_quiet = wrong - reported
    report: List[str] = []
    if missing:
        report += ["annotated `# error:` but not reported:", *_describe(missing, messages)]
    if unexpected:
        report += ["reported but not annotated:", *_describe(unexpected, messages)]
    if now_passing:
        report += ["marked `# xfail:` but now reported (turn the mark into `# error:`):",
                   *_describe(now_passing, messages)]
    if now_quiet:
        report += ["marked `# false-positive:` but no longer reported (remove the mark):", *_describe(now_quiet, {})]
    assert not report, "\n".join(report)


def test_every_finding_of_a_file_is_unique(fixture_run: List[dict]) -> None:
    """The same code twice on one line would hide behind the set comparison above."""
    counts: Dict[Tuple[str, int, int, str], int] = defaultdict(int)
    for finding in fixture_run:
        counts[(finding["path"], finding["line"], finding["column"], finding["code"])] += 1
    assert [key for key, count in counts.items() if count > 1] == []


def test_every_rule_is_covered_by_a_fixture(expectations: Expectations) -> None:
    annotated = {code for _, _, code in expectations.errors}
    uncovered = set(RULES) - annotated - FILE_LEVEL_ONLY_IN_UNIT_TESTS
    assert uncovered == set(), f"rules without any `# error:` fixture: {sorted(uncovered)}"


def test_known_limitation_marks_give_a_reason(expectations: Expectations) -> None:
    marks = {**expectations.xfails, **expectations.false_positives}
    assert [key for key, reason in marks.items() if not reason] == []


def test_annotations_are_read_from_comments_only() -> None:
    source = b's = "# error: AIO100"\nx = 1  # error: AIO200\n'
    assert _comments(source) == [(2, "# error: AIO200")]


def test_byte_exact_fixtures_are_intact() -> None:
    """git or an editor may re-encode or normalise line endings; these files test exactly that."""
    spec = importlib.util.spec_from_file_location("write_byte_fixtures", FIXTURES / "write_byte_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    changed = [name for name, data in module.BYTE_FIXTURES.items() if (FIXTURES / name).read_bytes() != data]
    assert changed == [], f"run `python fixtures/write_byte_fixtures.py` to restore {changed}"


def test_project_chain_message_is_exact(fixture_run: List[dict]) -> None:
    """AIO110 names the whole call chain and where the blocking call is."""
    util = (FIXTURES / "shop" / "util.py").read_text(encoding="utf-8").splitlines()
    sleep_line = util.index("def slow_helper(seconds):") + 2  # its body's first line, 1-based
    assert util[sleep_line - 1].strip() == "time.sleep(seconds)"
    expected = (
        "blocks the event loop through project code: calls shop.util.indirect_helper -> "
        f"shop.util.slow_helper -> time.sleep (shop/util.py:{sleep_line}); "
        "make the helper async or call it with `await asyncio.to_thread(...)`"
    )
    handlers = [f for f in fixture_run if _key(f)[0] == "shop/handlers.py" and f["code"] == "AIO110"]
    assert expected in {f["message"] for f in handlers}, [f["message"] for f in handlers]


def test_bundled_example_reports_a_handful_of_varied_findings() -> None:
    """What a newcomer sees first: `asynclint examples/` finds real problems and exits 1."""
    done = run_cli(["--no-cache", "examples"], cwd=REPO)
    out = done.stdout.decode()
    assert done.returncode == 1, (done.returncode, done.stderr.decode())
    findings = [line for line in out.splitlines() if re.match(r"^examples/\S+\.py:\d+:\d+: AIO\d{3} ", line)]
    assert 5 <= len(findings) <= 10, out
    codes = {line.split()[1] for line in findings}
    assert len(codes) >= 4, codes
    assert f"Found {len(findings)} problem" in out
