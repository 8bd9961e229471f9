"""The rule pages in rules/ are what users read to decide whether to trust a finding.

Their examples are checked against the real, installed ``asynclint``: an Example that the
rule no longer flags, a "Use instead" that draws any finding, or a fix whose result
differs from the page's "After" block is a documentation bug. All examples go through a
handful of CLI runs (one per configuration), not one run per block, to keep this fast.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from asynclint.codes import RULES

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
REQUIRED_HEADINGS = ["What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Configuration"]
# Neither can be produced by source text: AIO002 needs unreadable bytes or a vanished file,
# AIO003 needs a bug in asynclint itself. Their pages explain this in prose instead.
NO_SOURCE_EXAMPLE = frozenset({"AIO002", "AIO003"})
FIX_WORDING = {
    "safe": "This fix is safe",
    "unsafe": "This fix is unsafe",
    None: "No automatic fix",
}

_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^(#{2,3}) (.+?)[ \t]*$", re.MULTILINE)


def _exe() -> str:
    beside = Path(sys.executable).parent / "asynclint"
    found = str(beside) if beside.exists() else shutil.which("asynclint")
    if found is None:
        pytest.skip("the asynclint command is not installed")
    return found


@dataclass
class Page:
    code: str
    text: str
    sections: Dict[str, str]  # "## " heading -> its text, "### " subsections included
    examples: List[str] = field(default_factory=list)
    good: List[str] = field(default_factory=list)
    before: Optional[str] = None
    after: Optional[str] = None
    config: Optional[str] = None  # a ```toml block in Example: the examples need these settings

    @property
    def title(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    @property
    def summary(self) -> str:
        """The first paragraph after the title."""
        body = self.text.split("\n", 1)[1] if "\n" in self.text else ""
        return body.strip().split("\n\n", 1)[0]


def fences(text: str, language: str) -> List[str]:
    return [m.group(2) for m in _FENCE.finditer(text) if m.group(1) == language]


def split_sections(text: str, level: int) -> Dict[str, str]:
    """Heading text -> body up to the next heading of the same or a higher level.

    Fenced blocks are blanked first so a ``# comment`` inside code is never a heading.
    """
    masked = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    marks = [m for m in _HEADING.finditer(masked) if len(m.group(1)) <= level]
    out: Dict[str, str] = {}
    for i, mark in enumerate(marks):
        if len(mark.group(1)) != level:
            continue
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[mark.group(2)] = text[mark.end():end]
    return out


def parse_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    sections = split_sections(text, 2)
    page = Page(path.stem, text, sections)
    page.examples = fences(sections.get("Example", ""), "python")
    page.good = fences(sections.get("Use instead", ""), "python")
    configs = fences(sections.get("Example", ""), "toml")
    page.config = configs[0] if configs else None
    fix = split_sections(sections.get("Fix safety", ""), 3)
    before, after = fences(fix.get("Before", ""), "python"), fences(fix.get("After", ""), "python")
    page.before = before[0] if before else None
    page.after = after[0] if after else None
    return page


def page_paths() -> List[Path]:
    return sorted(RULES_DIR.glob("*.md"))


PAGES: Dict[str, Page] = {path.stem: parse_page(path) for path in page_paths()}


# ------------------------------------------------------------------------------------- shape


def test_every_registered_code_has_a_page() -> None:
    missing = sorted(set(RULES) - set(PAGES))
    assert not missing, f"rules/ has no page for {missing}"


def test_every_page_names_a_registered_code() -> None:
    unknown = sorted(set(PAGES) - set(RULES))
    assert not unknown, f"rules/ has pages for unregistered codes {unknown}"


@pytest.mark.parametrize("code", sorted(PAGES))
def test_title_matches_the_registry(code: str) -> None:
    assert PAGES[code].title == f"# {code}: {RULES[code].name}"


@pytest.mark.parametrize("code", sorted(PAGES))
def test_page_has_every_heading_in_order(code: str) -> None:
    headings = list(PAGES[code].sections)
    present = [h for h in headings if h in REQUIRED_HEADINGS]
    assert present == REQUIRED_HEADINGS, f"{code}.md headings are {headings}"


@pytest.mark.parametrize("code", sorted(PAGES))
def test_summary_line_states_fix_and_default(code: str) -> None:
    rule = RULES[code]
    summary = PAGES[code].summary
    assert f"Fix: {rule.fix or 'none'}." in summary
    # Fails when a rule's default changes in asynclint.codes: update the page's summary.
    assert f"Default: {'on' if rule.default else 'off'}." in summary


@pytest.mark.parametrize("code", sorted(PAGES))
def test_fix_safety_agrees_with_the_registry(code: str) -> None:
    rule = RULES[code]
    text = PAGES[code].sections.get("Fix safety", "")
    for fix, wording in FIX_WORDING.items():
        if fix == rule.fix:
            assert wording in text, f"{code}.md Fix safety should say {wording!r}"
        else:
            assert wording not in text, f"{code}.md Fix safety says {wording!r} but the rule's fix is {rule.fix}"
    page = PAGES[code]
    has_pair = page.before is not None and page.after is not None
    assert has_pair == (rule.fix is not None), f"{code}.md: a Before/After pair belongs on pages of fixable rules only"


@pytest.mark.parametrize("code", sorted(PAGES))
def test_page_has_examples(code: str) -> None:
    page = PAGES[code]
    if code in NO_SOURCE_EXAMPLE:
        assert not page.examples, f"{code} cannot be shown by source; explain it in prose"
    else:
        assert page.examples, f"{code}.md has no ```python Example block"
        assert page.good, f"{code}.md has no ```python Use instead block"


def test_pages_ship_with_the_package(tmp_path: Path) -> None:
    """``asynclint.rule_pages`` in the installed package is a copy of rules/: the same text.

    Asked of a fresh interpreter outside the checkout, where ``import asynclint`` is the
    installed package, not the source tree (which has no ``rule_pages``)."""
    script = (
        "import importlib.resources, json, sys\n"
        "root = importlib.resources.files('asynclint.rule_pages')\n"
        "json.dump({p.name: p.read_text(encoding='utf-8') for p in root.iterdir() if p.name.endswith('.md')}, sys.stdout)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    shipped = json.loads(done.stdout)
    for code in RULES:
        assert shipped.get(f"{code}.md") == PAGES[code].text, code


# ---------------------------------------------------------------------------------- behaviour


def _write_project(directory: Path, config: Optional[str]) -> None:
    """A pyproject of its own, so no settings from outside the temporary tree leak in."""
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(config if config is not None else "[tool.asynclint]\n", encoding="utf-8")


def _groups() -> Dict[Optional[str], List[Page]]:
    """Pages by the configuration their examples need (None: the defaults)."""
    out: Dict[Optional[str], List[Page]] = {}
    for page in PAGES.values():
        out.setdefault(page.config, []).append(page)
    return out


def _lint(directory: Path) -> Dict[str, List[str]]:
    result = subprocess.run(
        [_exe(), "--select", "ALL", "--format", "json", "-j", "1", "."],
        cwd=directory, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    found: Dict[str, List[str]] = {}
    for finding in json.loads(result.stdout):
        found.setdefault(Path(finding["path"]).name, []).append(f"{finding['code']} {finding['message']}")
    return found


Findings = Dict[str, Dict[str, List[str]]]  # code -> file name -> ["CODE message", ...]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Findings:
    """Lint every Example, Use instead and After block: one CLI run per configuration."""
    root = tmp_path_factory.mktemp("rule_pages_check")
    by_code: Findings = {}
    for i, (config, pages) in enumerate(_groups().items()):
        directory = root / f"group{i}"
        _write_project(directory, config)
        for page in pages:
            files = {f"{page.code}_example_{n}.py": src for n, src in enumerate(page.examples)}
            files.update({f"{page.code}_good_{n}.py": src for n, src in enumerate(page.good)})
            if page.after is not None:
                files[f"{page.code}_after.py"] = page.after
            for name, source in files.items():
                (directory / name).write_text(source, encoding="utf-8")
            by_code[page.code] = {name: [] for name in files}
        found = _lint(directory)
        for page in pages:
            for name in by_code[page.code]:
                by_code[page.code][name] = found.get(name, [])
    return by_code


@pytest.mark.parametrize("code", sorted(PAGES))
def test_examples_are_flagged_with_the_page_code(code: str, checked: Findings) -> None:
    for name, findings in checked[code].items():
        if "_example_" in name:
            assert any(f.startswith(code + " ") for f in findings), f"{code}.md {name} is not flagged: {findings}"


@pytest.mark.parametrize("code", sorted(PAGES))
def test_use_instead_is_clean(code: str, checked: Findings) -> None:
    for name, findings in checked[code].items():
        if "_good_" in name:
            assert findings == [], f"{code}.md {name} draws findings: {findings}"


@pytest.mark.parametrize("code", sorted(c for c, p in PAGES.items() if p.after is not None))
def test_fix_result_no_longer_has_the_finding(code: str, checked: Findings) -> None:
    findings = checked[code][f"{code}_after.py"]
    assert not any(f.startswith(code + " ") for f in findings), f"{code}.md After is still flagged: {findings}"


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """Every Before block after ``--fix --unsafe-fixes`` limited to its page's code.

    Pages sharing a configuration are fixed in one run; per-file-ignores switch off every
    other code for each file, which is what ``--select CODE`` would do file by file.
    """
    root = tmp_path_factory.mktemp("rule_pages_fix")
    out: Dict[str, str] = {}
    for i, (config, pages) in enumerate(_groups().items()):
        pages = [p for p in pages if p.before is not None]
        if not pages:
            continue
        directory = root / f"group{i}"
        _write_project(directory, config if config is not None else _one_code_per_file(pages))
        for page in pages:
            (directory / f"{page.code}_before.py").write_text(page.before or "", encoding="utf-8")
        if config is None:
            _fix(directory, ["--select", "ALL"], ".")
        else:
            # A page's own settings cannot be merged with per-file-ignores without a TOML
            # writer; such pages are rare (AIO109), so each gets a run of its own.
            for page in pages:
                _fix(directory, ["--select", page.code], f"{page.code}_before.py")
        for page in pages:
            out[page.code] = (directory / f"{page.code}_before.py").read_text(encoding="utf-8")
    return out


def _one_code_per_file(pages: List[Page]) -> str:
    lines = ["[tool.asynclint]", "[tool.asynclint.per-file-ignores]"]
    for page in pages:
        others = sorted(code for code in RULES if code != page.code)
        lines.append(f'"{page.code}_before.py" = {json.dumps(others)}')
    return "\n".join(lines) + "\n"


def _fix(directory: Path, selection: List[str], target: str) -> None:
    result = subprocess.run(
        [_exe(), *selection, "--fix", "--unsafe-fixes", "-q", "-j", "1", target],
        cwd=directory, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr


@pytest.mark.parametrize("code", sorted(c for c, p in PAGES.items() if p.before is not None))
def test_fix_turns_before_into_after(code: str, fixed: Dict[str, str]) -> None:
    assert fixed[code] == PAGES[code].after


@pytest.mark.parametrize("code", sorted(c for c, p in PAGES.items() if p.before is not None))
def test_fix_changes_before(code: str, fixed: Dict[str, str]) -> None:
    """A Before that the fix left alone would make the pair above compare nothing."""
    assert fixed[code] != PAGES[code].before, f"{code}.md Before is unchanged by --fix"
