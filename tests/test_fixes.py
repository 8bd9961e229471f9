"""The fix fixtures in fixtures/fixes/, byte for byte, through the installed CLI.

Each ``name.py`` has ``name.py.fixed``: the file as ``--fix --unsafe-fixes`` must leave it,
and, where safe fixes alone give something else, ``name.py.safe.fixed``. Bytes matter
because the fixer promises to keep a file's encoding, BOM, coding cookie and line endings,
so nothing here is compared as text.

A directory with its own ``pyproject.toml`` (``py38/``) is a separate project: settings are
read once per run, so the CLI runs once per such directory and mode. Every test reads the
results of those few shared runs instead of starting its own.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from asynclint.codes import RULES

from conftest import find_asynclint

REPO = Path(__file__).resolve().parent.parent
FIXES = REPO / "fixtures" / "fixes"
ASYNCLINT = str(find_asynclint())
MODE = 0o640
OLD_MTIME_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09: any later mtime means "rewritten"
_FINDING_LINE = re.compile(r"^\S.*:\d+:\d+: AIO\d{3}\b", re.MULTILINE)
_SUMMARY = re.compile(r"^Found (\d+) problems? \((\d+) fixed, (\d+) remaining\)\.$", re.MULTILINE)


def sources() -> List[str]:
    """Every input fixture, relative to fixtures/fixes (posix form)."""
    return sorted(p.relative_to(FIXES).as_posix() for p in FIXES.rglob("*.py"))


def project_dirs(root: Path) -> List[Path]:
    """Directories that carry their own settings; the root excludes the nested ones."""
    return sorted(p.parent for p in root.rglob("pyproject.toml"))


def expected(name: str, safe: bool) -> bytes:
    base = FIXES / name
    if safe:
        candidate = base.with_name(base.name + ".safe.fixed")
        if candidate.exists():
            return candidate.read_bytes()
    return base.with_name(base.name + ".fixed").read_bytes()


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ASYNCLINT, "-j", "1", "--select", "ALL", *args, "."],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def copy_inputs(destination: Path) -> Path:
    """fixtures/fixes without the expectations, every source at mode 0o640 and an old mtime."""
    shutil.copytree(FIXES, destination, ignore=shutil.ignore_patterns("*.fixed", ".asynclint_cache"))
    for name in sources():
        path = destination / name
        os.chmod(path, MODE)
        os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return destination


@dataclass
class Phase:
    """One copy of the fixtures and what each project's CLI run printed on it."""

    root: Path
    runs: Dict[str, subprocess.CompletedProcess] = field(default_factory=dict)  # project dir (relative) -> run

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


@dataclass
class Runs:
    before: Dict[str, list]  # project dir -> JSON findings on the pristine inputs
    unsafe: Phase
    safe: Phase
    diff: Phase  # pristine copy that only saw --diff
    diff_after_fix: Dict[str, subprocess.CompletedProcess]  # --diff --unsafe-fixes on the fixed copy


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("fixes")
    unsafe = Phase(copy_inputs(base / "unsafe"))
    safe = Phase(copy_inputs(base / "safe"))
    diff = Phase(copy_inputs(base / "diff"))
    before: Dict[str, list] = {}
    after: Dict[str, subprocess.CompletedProcess] = {}
    for project in project_dirs(diff.root):
        rel = project.relative_to(diff.root).as_posix()
        listing = run_cli(project, "--format", "json")
        assert listing.returncode in (0, 1), listing.stderr
        before[rel] = json.loads(listing.stdout)
        diff.runs[rel] = run_cli(project, "--diff", "--unsafe-fixes")
        unsafe.runs[rel] = run_cli(unsafe.root / rel, "--fix", "--unsafe-fixes")
        safe.runs[rel] = run_cli(safe.root / rel, "--fix")
        after[rel] = run_cli(unsafe.root / rel, "--diff", "--unsafe-fixes")
    for phase in (unsafe, safe, diff):
        for rel, result in phase.runs.items():
            assert result.returncode in (0, 1), f"{rel}: exit {result.returncode}: {result.stderr}"
            assert "Traceback" not in result.stderr and "warning" not in result.stderr, result.stderr
    return Runs(before, unsafe, safe, diff, after)


def show_difference(name: str, want: bytes, got: bytes) -> str:
    """A unified diff with line endings made visible, so a lost ``\\r`` shows up."""
    def lines(data: bytes) -> List[str]:
        return [repr(line)[2:-1] + "\n" for line in data.splitlines(keepends=True)]

    return f"{name} differs from its expectation:\n" + "".join(
        difflib.unified_diff(lines(want), lines(got), "expected", "got")
    )


@pytest.mark.parametrize("name", sources())
def test_unsafe_fix_matches_expected_bytes(runs: Runs, name: str) -> None:
    want, got = expected(name, safe=False), runs.unsafe.read(name)
    assert got == want, show_difference(name, want, got)


@pytest.mark.parametrize("name", sources())
def test_safe_fix_matches_expected_bytes(runs: Runs, name: str) -> None:
    want, got = expected(name, safe=True), runs.safe.read(name)
    assert got == want, show_difference(name, want, got)


def test_every_fixable_rule_has_a_fixture(runs: Runs) -> None:
    """A fix nobody wrote a pair for is a fix nobody checked."""
    offered = {f["code"] for findings in runs.before.values() for f in findings if f["fix"] is not None}
    fixable = {code for code, rule in RULES.items() if rule.fix is not None}
    assert fixable - offered == set()


def test_fixture_applicability_matches_registry(runs: Runs) -> None:
    """A finding's fix is as safe or unsafe as its rule says: --fix alone must not take unsafe ones."""
    for findings in runs.before.values():
        for f in findings:
            if f["fix"] is not None:
                assert f["fix"]["applicability"] == RULES[f["code"]].fix, f


@pytest.mark.parametrize("mode", ["unsafe", "safe"])
def test_files_without_fix_are_not_rewritten(runs: Runs, mode: str) -> None:
    phase = runs.unsafe if mode == "unsafe" else runs.safe
    untouched = [n for n in sources() if expected(n, safe=mode == "safe") == (FIXES / n).read_bytes()]
    assert untouched, "fixtures/fixes should hold files a fix run leaves alone"
    for name in untouched:
        stat = (phase.root / name).stat()
        assert stat.st_mtime_ns == OLD_MTIME_NS, f"{name} was rewritten with no fix to apply"
        assert phase.read(name) == (FIXES / name).read_bytes()


@pytest.mark.parametrize("mode", ["unsafe", "safe"])
def test_fixed_files_keep_their_mode(runs: Runs, mode: str) -> None:
    phase = runs.unsafe if mode == "unsafe" else runs.safe
    changed = [n for n in sources() if phase.read(n) != (FIXES / n).read_bytes()]
    assert changed
    for name in changed:
        assert (phase.root / name).stat().st_mode & 0o7777 == MODE, name
    leftovers = [p.name for p in phase.root.rglob("*") if p.name.endswith(".asynclint-tmp")]
    assert leftovers == []


def test_diff_writes_nothing_and_exits_1(runs: Runs) -> None:
    for name in sources():
        path = runs.diff.root / name
        assert path.read_bytes() == (FIXES / name).read_bytes(), name
        assert path.stat().st_mtime_ns == OLD_MTIME_NS, name
    for rel, result in runs.diff.runs.items():
        assert result.returncode == 1, (rel, result.stderr)


def test_diff_names_exactly_the_files_a_fix_changes(runs: Runs) -> None:
    """The diff's file headers are the files whose expectation differs from the input."""
    shown = set()
    for rel, result in runs.diff.runs.items():
        for header in re.findall(r"^\+\+\+ (.+)$", result.stdout, re.MULTILINE):
            shown.add(_relative(rel, header))
    changing = {n for n in sources() if expected(n, safe=False) != (FIXES / n).read_bytes()}
    assert shown == changing


def test_diff_lines_are_the_fix(runs: Runs) -> None:
    """Every added line of the diff appears in the expected output, every removed one in the input."""
    for rel, result in runs.diff.runs.items():
        current = None
        for line in result.stdout.splitlines():
            if line.startswith("+++ "):
                current = _relative(rel, line[4:])
            elif current is None or line.startswith(("---", "@@")):
                continue
            elif line.startswith("+"):
                assert line[1:].rstrip("\r") in _decoded(expected(current, safe=False)), (current, line)
            elif line.startswith("-"):
                assert line[1:].rstrip("\r") in _decoded((FIXES / current).read_bytes()), (current, line)


def _relative(project: str, shown: str) -> str:
    """A path printed by a run in ``project``, relative to fixtures/fixes."""
    return Path(os.path.normpath(os.path.join(project, shown.strip()))).as_posix()


def _decoded(data: bytes) -> str:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("undecodable fixture")


def test_diff_after_fix_is_empty_and_exits_0(runs: Runs) -> None:
    for rel, result in runs.diff_after_fix.items():
        assert result.returncode == 0, (rel, result.stdout, result.stderr)
        assert result.stdout == "", rel
        assert "No fixes to apply." in result.stderr


@pytest.mark.parametrize("mode", ["unsafe", "safe"])
def test_summary_counts(runs: Runs, mode: str) -> None:
    """``(N fixed, M remaining)``: N is what the policy allowed before, M what is printed after."""
    phase = runs.unsafe if mode == "unsafe" else runs.safe
    for rel, result in phase.runs.items():
        allowed = [
            f for f in runs.before[rel]
            if f["fix"] is not None and (mode == "unsafe" or f["fix"]["applicability"] == "safe")
        ]
        remaining = len(_FINDING_LINE.findall(result.stdout))
        if allowed:
            match = _SUMMARY.search(result.stdout)
            assert match is not None, result.stdout[-500:]
            total, fixed, left = (int(g) for g in match.groups())
            assert (fixed, left, total) == (len(allowed), remaining, len(allowed) + remaining), (rel, match.group(0))
        else:  # nothing applied: the plain summary, no "0 fixed"
            assert f"Found {remaining} problem" in result.stdout and "fixed" not in result.stdout
        assert result.returncode == (1 if remaining else 0)
        if mode == "safe":
            hidden = sum(1 for f in runs.before[rel] if f["fix"] is not None and f["fix"]["applicability"] == "unsafe")
            if hidden:
                assert f"({hidden} hidden fix" in result.stdout, result.stdout[-500:]


def test_noqa_line_is_left_alone(runs: Runs) -> None:
    """Suppressed findings are never fixed, even with --unsafe-fixes, which fixes AIO100
    (checked on the text, not just the pair)."""
    text = _decoded(runs.unsafe.read("noqa_line.py"))
    assert "    time.sleep(1)  # noqa: AIO100\n" in text
    assert "    await asyncio.sleep(2)\n" in text


def _line_endings(data: bytes) -> Tuple[int, int]:
    crlf = data.count(b"\r\n")
    return crlf, data.count(b"\n") - crlf


@pytest.mark.parametrize("name", sources())
def test_storage_is_kept(runs: Runs, name: str) -> None:
    """Independent of the pairs: BOM, coding cookie line and line-ending style survive a fix."""
    original, fixed = (FIXES / name).read_bytes(), runs.unsafe.read(name)
    assert fixed.startswith(b"\xef\xbb\xbf") == original.startswith(b"\xef\xbb\xbf")
    crlf, lf = _line_endings(original)
    new_crlf, new_lf = _line_endings(fixed)
    if crlf and not lf:
        assert new_lf == 0 and new_crlf >= crlf
    if lf and not crlf:
        assert new_crlf == 0
    first_two = original.splitlines(keepends=True)[:2]
    for line in first_two:
        if b"coding" in line:
            assert line in fixed
