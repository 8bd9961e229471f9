"""Per-rule examples, in the spirit of Fixit's VALID/INVALID lists, checked in-process.

``assert_examples("AIO100", valid=[...], invalid=[...])`` checks each example with only
that code selected (the file-level codes AIO001-AIO003 stay on, as they always do, so an
example that does not parse fails loudly instead of passing as valid). A valid example
must give no finding at all; an invalid one exactly the findings its trailing
``# error: AIO100`` comments mark, as in fixtures/ (read by the same code,
``test_fixtures.parse_annotations``), and at least one of the rule's own code.

An example is one source (checked with ``asynclint.api.check_source``: no worker, no
cache) or, for the project rules that link modules together (AIO110, AIO200, AIO202), a
dict of file paths to sources, written to a temporary directory (their ``__init__.py``
files make the modules' names) and checked as one project with
``asynclint.api.check_sources``: linked exactly as ``check_paths`` links a run, without
starting a worker process per example.
"""
from __future__ import annotations

import dataclasses
import tempfile
import textwrap
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

from asynclint import api
from asynclint.config import Settings
from asynclint.findings import Finding

from test_fixtures import parse_annotations

Example = Union[str, Dict[str, str]]
Key = Tuple[str, int, str]  # (file, line, code)

# The name a single-source example is checked under (and its annotations are read from).
SINGLE = "example.py"


def assert_examples(
    code: str, valid: Sequence[Example] = (), invalid: Sequence[Example] = (), settings: Optional[Settings] = None
) -> None:
    """Fail with every example that does not behave as it says, not only the first."""
    chosen = dataclasses.replace(settings or Settings(), select=[code])
    problems: List[str] = []
    for number, example in enumerate(valid, 1):
        expected, found = _run(example, chosen)
        if found:
            problems.append(f"valid example {number} gave {_shown(found)}")
    for number, example in enumerate(invalid, 1):
        expected, found = _run(example, chosen)
        if not any(key[2] == code for key in expected):
            problems.append(f"invalid example {number} marks no `# error: {code}`")
        elif sorted(found) != sorted(expected):
            problems.append(f"invalid example {number}: expected {_shown(expected)}, got {_shown(found)}")
    assert not problems, f"{code}:\n  " + "\n  ".join(problems)


def _run(example: Example, settings: Settings) -> Tuple[List[Key], List[Key]]:
    """The findings an example marks, and those it gives."""
    files = {SINGLE: example} if isinstance(example, str) else example
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        expected: Set[Key] = set()
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
            expected |= parse_annotations(path, relative).errors
        texts = {str(root / relative): (root / relative).read_text(encoding="utf-8") for relative in files}
        if isinstance(example, str):
            (path, text), = texts.items()
            return sorted(expected), _keys(api.check_source(text, path, settings), root)
        project = dataclasses.replace(settings, project_root=root)
        return sorted(expected), _keys(api.check_sources(texts, project), root)


def _keys(findings: Sequence[Finding], root: Path) -> List[Key]:
    """Findings named by the path relative to the example's root, as its annotations are."""
    out = []
    for finding in findings:
        path = Path(finding.path)
        relative = path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()
        out.append((relative, finding.line, finding.code))
    return out


def _shown(keys: Sequence[Key]) -> str:
    return ", ".join(f"{path}:{line}: {code}" for path, line, code in sorted(keys)) or "nothing"
