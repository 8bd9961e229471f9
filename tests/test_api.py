"""``asynclint.api``: the in-process entry point the command, standard input and flake8 share.

What it returns must be what the installed command reports for the same input, since the
command is now a thin layer over it; and it must apply selection, per-file-ignores and
``noqa`` itself, as the command always did.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asynclint import api
from asynclint.config import Settings, load_settings
from asynclint.fixes.policy import FixPolicy

from conftest import run_cli

SLEEPY = "import asyncio, time\n\n\nasync def f():\n    time.sleep(1)\n    await asyncio.sleep(0)\n"
PYPROJECT = '[tool.asynclint]\nselect = ["ALL"]\n\n[tool.asynclint.per-file-ignores]\n"quiet_*.py" = ["AIO100"]\n'


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "util.py").write_text("import time\n\n\ndef slow():\n    time.sleep(1)\n")
    (tmp_path / "pkg" / "main.py").write_text(
        "import asyncio\nfrom pkg.util import slow\n\n\nasync def handler():\n    slow()\n"
        "    handler()  # noqa: AIO200\n    await asyncio.sleep(0)\n"
    )
    (tmp_path / "quiet_one.py").write_text(SLEEPY)
    (tmp_path / "loud.py").write_text(SLEEPY)
    (tmp_path / "broken.py").write_text("def f(:\n")
    return tmp_path


def test_check_source_applies_per_file_ignores_and_noqa(project: Path) -> None:
    settings = load_settings(start=project)
    codes = lambda name, text: [f.code for f in api.check_source(text, str(project / name), settings)]  # noqa: E731
    assert codes("loud.py", SLEEPY) == ["AIO100"]
    assert codes("quiet_one.py", SLEEPY) == []  # per-file-ignores of the path it is named by
    assert codes("loud.py", SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: AIO100")) == []
    assert api.check_source(SLEEPY)[0].path == api.STDIN_DISPLAY  # no path: standard input


def test_check_paths_is_what_the_command_reports_and_prints_nothing(project: Path, capfd: pytest.CaptureFixture) -> None:
    checked = api.check_paths([str(project)], load_settings(start=project), jobs=1, cache=False)
    assert capfd.readouterr() == ("", "")
    done = run_cli(["--no-cache", "--format", "json", str(project)], cwd=project)
    assert done.returncode == 1, done.stderr
    assert [f.to_json() for f in checked.findings] == json.loads(done.stdout)
    assert {(Path(f.path).name, f.code) for f in checked.findings} == {
        ("broken.py", "AIO001"), ("loud.py", "AIO100"), ("main.py", "AIO110")
    }
    assert [Path(f.path).name for f in checked.file_errors] == ["broken.py"]


def test_check_sources_links_modules_as_check_paths_does(project: Path) -> None:
    settings = load_settings(start=project)
    names = [project / "pkg" / "util.py", project / "pkg" / "main.py"]
    found = api.check_sources({str(p): p.read_text() for p in names}, settings)
    by_run = api.check_paths([str(project / "pkg")], settings, jobs=1, cache=False).findings
    assert [(f.code, f.message) for f in found] == [(f.code, f.message) for f in by_run]
    assert [f.code for f in found] == ["AIO110"]


def test_standard_input_reports_what_check_source_finds(project: Path) -> None:
    settings = load_settings(start=project)
    for name in ("loud.py", "quiet_one.py"):
        done = run_cli(["--format", "json", "--stdin-filename", name], cwd=project, input=SLEEPY)
        assert json.loads(done.stdout) == [f.to_json() for f in api.check_source(SLEEPY, name, settings)]


def test_fix_source_and_fix_paths_agree_with_the_command(project: Path) -> None:
    settings = load_settings(start=project)
    policy = FixPolicy.from_settings(settings, unsafe=True)
    fixed, count = api.fix_source(SLEEPY, "loud.py", settings, policy)
    assert count == 1 and "await asyncio.sleep(1)" in fixed
    checked = api.check_paths([str(project / "loud.py")], settings, jobs=1, cache=False, fixing=True)
    _, outcome = api.fix_paths(checked, settings, policy, write=False)
    assert (project / "loud.py").read_text() == SLEEPY  # a diff writes nothing
    done = run_cli(["--no-cache", "--diff", "--unsafe-fixes", str(project / "loud.py")], cwd=project)
    assert outcome.diffs == [done.stdout] and outcome.errors == []


def test_missing_path_raises_for_the_caller_to_report(tmp_path: Path) -> None:
    from asynclint.run.discovery import DiscoveryError

    with pytest.raises(DiscoveryError, match="no such file"):
        api.check_paths([str(tmp_path / "absent")], Settings(project_root=tmp_path))


def test_importing_the_api_does_not_import_libcst() -> None:
    """The command imports it on every run, warm runs included."""
    code = "import sys, asynclint.api; print('libcst' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr
