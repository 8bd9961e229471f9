"""Properties every fix must have, checked on every fixture under fixtures/.

On a copy of the whole tree, ``--fix --unsafe-fixes --select ALL``:

* leaves every file that parsed before still parsing (for the Python the project targets);
* is idempotent: a second run changes no byte;
* removes every finding it said it could fix (JSON ``fix`` not null) and adds none of the
  same code in its place.

Settings are read once per run, so each directory with its own ``[tool.asynclint]`` is one
project and gets one CLI run per phase; every file is passed explicitly to the run of its
nearest project, so no file is fixed twice whatever the projects exclude.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import libcst
import pytest

from conftest import find_asynclint

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
ASYNCLINT = str(find_asynclint())
_TARGET = re.compile(r'^\s*target-version\s*=\s*"py3(\d+)"', re.MULTILINE)


def _is_project(directory: Path) -> bool:
    config = directory / "pyproject.toml"
    return config.is_file() and "[tool.asynclint" in config.read_text(encoding="utf-8", errors="replace")


def _owner(path: Path, root: Path) -> Path:
    """The nearest directory (up to ``root``) whose settings apply to ``path``."""
    for directory in path.parents:
        if _is_project(directory) or directory == root:
            return directory
        if root not in directory.parents:
            break
    return root


def _target(project: Path) -> Optional[Tuple[int, int]]:
    config = project / "pyproject.toml"
    if not config.is_file():
        return None
    match = _TARGET.search(config.read_text(encoding="utf-8", errors="replace"))
    return (3, int(match.group(1))) if match else None


Parser = Callable[[bytes, str], None]


def _compile(data: bytes, name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like are not our concern
        compile(data, name, "exec", dont_inherit=True)


def _libcst(data: bytes, name: str) -> None:
    libcst.parse_module(data)


def _parser_for(data: bytes, name: str) -> Optional[Parser]:
    """How to prove the fixed file still parses: the running Python if it accepts the
    original, else LibCST (newer syntax); None for a fixture that is broken on purpose."""
    for parser in (_compile, _libcst):
        try:
            parser(data, name)
        except Exception:  # SyntaxError, ValueError (NUL bytes), LibCST's parser errors, decode errors
            continue
        return parser
    return None


_COMPILE_ALL = """
import sys, warnings
warnings.simplefilter("ignore")
for name in sys.argv[1:]:
    try:
        with open(name, "rb") as handle:
            compile(handle.read(), name, "exec", dont_inherit=True)
    except SyntaxError as error:
        print(name + ": " + str(error))
"""


def _interpreter(version: Tuple[int, int]) -> Optional[str]:
    """A working Python of exactly this version, if the machine has one (pyenv or PATH).

    pyenv shims exist for versions that are installed but not enabled, so each candidate
    is asked for its version rather than trusted.
    """
    pyenv = Path.home() / ".pyenv" / "versions"
    candidates = [str(p) for p in sorted(pyenv.glob(f"{version[0]}.{version[1]}.*/bin/python"))]
    candidates += [c for c in [shutil.which(f"python{version[0]}.{version[1]}")] if c]
    for candidate in candidates:
        try:
            probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == str(version):
            return candidate
    return None


def _compile_with(python: str, paths: List[Path]) -> Dict[str, str]:
    """One interpreter run over many files: path -> syntax error (only the failures)."""
    result = subprocess.run([python, "-c", _COMPILE_ALL, *map(str, paths)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    errors = {}
    for line in result.stdout.splitlines():
        path, _, message = line.partition(": ")
        errors[path] = message
    return errors


@dataclass
class Tree:
    root: Path
    files: Dict[Path, List[str]]  # project dir -> files (relative to it) it owns
    before: Dict[str, list]  # path relative to root -> findings before fixing
    after: Dict[str, list]  # ... after the first fix run
    original: Dict[str, bytes]
    first: Dict[str, bytes]  # bytes after the first fix run
    second: Dict[str, bytes]  # ... after the second
    fix_errors: List[str]
    older_python: Dict[str, Optional[str]]  # see _older_python


def _run(project: Path, names: List[str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [ASYNCLINT, "-j", "2", "--select", "ALL", "--format", "json", *args, *names],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), f"{project}: exit {result.returncode}: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _findings(result: subprocess.CompletedProcess, project: Path, root: Path) -> Dict[str, list]:
    grouped: Dict[str, list] = {}
    for finding in json.loads(result.stdout):
        key = (project / finding["path"]).resolve().relative_to(root.resolve()).as_posix()
        grouped.setdefault(key, []).append(finding)
    return grouped


def _snapshot(root: Path, names: List[str]) -> Dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in names}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    root = tmp_path_factory.mktemp("props") / "fixtures"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("*.fixed", ".asynclint_cache", "__pycache__"))
    files: Dict[Path, List[str]] = {}
    for path in sorted(root.rglob("*.py")):
        owner = _owner(path, root)
        files.setdefault(owner, []).append(path.relative_to(owner).as_posix())
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    original = _snapshot(root, names)
    before: Dict[str, list] = {}
    after: Dict[str, list] = {}
    errors: List[str] = []
    for project, owned in files.items():
        before.update(_findings(_run(project, owned), project, root))
    for project, owned in files.items():
        result = _run(project, owned, "--fix", "--unsafe-fixes")
        after.update(_findings(result, project, root))
        errors += [line for line in result.stderr.splitlines() if "warning" in line]
    first = _snapshot(root, names)
    for project, owned in files.items():
        _run(project, owned, "--fix", "--unsafe-fixes")
    second = _snapshot(root, names)
    older = _older_python(root, files, original)
    return Tree(root, files, before, after, original, first, second, errors, older)


def _older_python(root: Path, files: Dict[Path, List[str]], original: Dict[str, bytes]) -> Dict[str, Optional[str]]:
    """For fixed files of a project targeting an older Python than this one: that Python's
    syntax error ("" if none), or None when that Python is not installed."""
    verdicts: Dict[str, Optional[str]] = {}
    for project, owned in files.items():
        target = _target(project)
        if target is None or target >= sys.version_info[:2]:
            continue
        python = _interpreter(target)
        names = [(project / name).relative_to(root).as_posix() for name in owned]
        names = [n for n in names if _parser_for(original[n], n) is _compile]
        errors = _compile_with(python, [root / n for n in names]) if python and names else None
        for name in names:
            verdicts[name] = None if errors is None else errors.get(str(root / name), "")
    return verdicts


def _all_fixtures() -> List[str]:
    return sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.py"))


def test_fixtures_exist(tree: Tree) -> None:
    assert len(tree.original) >= 20
    assert any(f["fix"] is not None for findings in tree.before.values() for f in findings)


def test_no_fix_was_abandoned(tree: Tree) -> None:
    """A fix that does not parse is skipped with a warning; on the fixtures none may be."""
    assert tree.fix_errors == []


@pytest.mark.parametrize("name", _all_fixtures())
def test_fixed_file_parses(tree: Tree, name: str) -> None:
    parser = _parser_for(tree.original[name], name)
    if parser is None:
        pytest.skip("fixture does not parse before fixing (broken on purpose)")
    fixed = tree.first[name]
    parser(fixed, name)
    if name in tree.older_python:
        # Code written for an older target must parse on that Python: run it if installed,
        # else ask this one's parser to reject newer syntax (best effort).
        error = tree.older_python[name]
        if error is not None:
            assert error == "", f"{name} does not parse on its target Python: {error}"
        else:
            target = _target(_owner(tree.root / name, tree.root))
            assert target is not None
            ast.parse(fixed, name, feature_version=target)


@pytest.mark.parametrize("name", _all_fixtures())
def test_second_fix_run_changes_nothing(tree: Tree, name: str) -> None:
    assert tree.second[name] == tree.first[name], f"{name} changed again on a second --fix run"


@pytest.mark.parametrize("name", _all_fixtures())
def test_fixable_findings_are_gone(tree: Tree, name: str) -> None:
    """Per code: after fixing, no more findings than the ones that had no fix before."""
    before = tree.before.get(name, [])
    fixable = Counter(f["code"] for f in before if f["fix"] is not None)
    if not fixable:
        pytest.skip("nothing fixable in this fixture")
    unfixable = Counter(f["code"] for f in before if f["fix"] is None)
    after = Counter(f["code"] for f in tree.after.get(name, []))
    still = {code: after[code] for code in fixable if after[code] > unfixable[code]}
    assert still == {}, (
        f"{name}: findings of a fixed code remain after --fix --unsafe-fixes "
        f"(code: count after, with {dict(unfixable)} unfixable before): {still}\n"
        + "\n".join(f"  {f['line']}:{f['column']} {f['code']}" for f in tree.after.get(name, []) if f["code"] in still)
    )
    assert tree.first[name] != tree.original[name], f"{name}: fixable findings but the file was not changed"
