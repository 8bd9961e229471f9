"""A rule lives in one place: the rule table names its check and its confirmation.

The registry of checks is derived from the table, fact collection runs for every file
whatever is selected (it is not a check), and the functions that confirm deferred
findings at link time import without LibCST.
"""
from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import asynclint.checks
from asynclint.codes import FILE_ERROR_CODES, RULES, load
from asynclint.checks.registry import ALL_CHECKS, checks_for
from asynclint.config import Settings
from asynclint.engine.contract import Check
from asynclint.run.check_file import analyze_text
from conftest import run_cli


def _every_check_class() -> set:
    """Every Check subclass defined anywhere in the checks package."""
    found = set()
    for info in pkgutil.walk_packages(asynclint.checks.__path__, "asynclint.checks."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Check) and value is not Check and value.__module__ == module.__name__:
                found.add(value)
    return found


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_code_names_the_check_that_reports_it(code: str) -> None:
    rule = RULES[code]
    if code in FILE_ERROR_CODES:
        assert rule.check is None  # reported by the engine itself, not by a check
        return
    check = load(rule.check)
    assert issubclass(check, Check) and code in check.codes


def test_every_check_is_named_by_the_table_for_exactly_its_codes() -> None:
    checks = _every_check_class()
    assert checks == set(ALL_CHECKS)
    for check in checks:
        named = {code for code, rule in RULES.items() if rule.check == f"{check.__module__}:{check.__name__}"}
        assert named == set(check.codes), check


def test_only_checks_with_a_selected_code_run() -> None:
    """Fact collection is not a check: selecting one rule instantiates that rule's check only."""
    assert [type(c).__name__ for c in checks_for({"AIO300"}, Settings())] == ["DroppedTasks"]
    assert [type(c).__name__ for c in checks_for({"AIO110"}, Settings())] == ["BlockingHelperCalls"]
    assert checks_for(set(), Settings()) == []


SOURCE = (
    "import time\nfrom os import path as p\n\n\nclass Base(dict):\n    def save(self):\n        helper()\n\n\n"
    "def helper():\n    time.sleep(1)\n    p.exists('x')\n"
)


def test_facts_are_collected_with_nothing_selected(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    facts = analyze_text(SOURCE, "mod.py", path, Settings(), frozenset()).facts
    assert facts is not None
    assert facts.functions["mod.Base.save"].calls == ["mod.helper"]
    assert facts.classes == {"mod.Base": ("builtins.dict",)}
    assert facts.aliases["mod.p"] == "os.path"
    blocking = facts.functions["mod.helper"].blocking
    assert blocking is not None and blocking.code in ("AIO100", "AIO104")


def test_aio110_alone_is_confirmed_through_the_command(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef save():\n    time.sleep(1)\n")
    (tmp_path / "app.py").write_text("from helpers import save\n\n\nasync def main():\n    save()\n")
    done = run_cli(["--select", "AIO110", "--no-cache", "--format", "json", "."], cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert [(f["path"], f["line"], f["code"]) for f in found] == [("app.py", 5, "AIO110")]
    assert "calls helpers.save -> time.sleep (helpers.py:5)" in found[0]["message"]


def test_confirmations_are_named_by_the_table_and_free_of_libcst() -> None:
    """Linking runs in the main process without LibCST: each confirmation must import alone."""
    deferred = {code: rule.confirm for code, rule in RULES.items() if rule.confirm is not None}
    assert set(deferred) == {"AIO110", "AIO200", "AIO202"}
    script = (
        "import sys\nfrom asynclint.project.link import confirmation\n"
        f"for code in {sorted(deferred)!r}:\n    assert callable(confirmation(code))\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
