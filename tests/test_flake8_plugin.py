"""The flake8 plugin, through the real ``flake8`` executable, against the real ``asynclint``.

Each sample file stands alone (no imports between them), so the CLI's whole-project view
and flake8's file-at-a-time view must agree exactly on (path, line, column, code).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Set, Tuple

import pytest

from asynclint.codes import RULES

from conftest import find_asynclint

BIN = Path(sys.executable).parent
FLAKE8 = shutil.which("flake8", path=str(BIN)) or shutil.which("flake8") or "flake8"
ASYNCLINT = str(find_asynclint())
FORMAT = "%(path)s|%(row)d|%(col)d|%(code)s"

SAMPLES = {
    "sleepy.py": (
        "import asyncio\nimport time\n\n\n"
        "async def main():\n"
        "    time.sleep(1)\n"
        "    asyncio.create_task(main())\n"
        "    loop = asyncio.get_event_loop()\n"
        "    await asyncio.sleep(0)\n"
        "    return loop\n"
    ),
    "io_heavy.py": (
        "import subprocess\nimport requests\n\n\n"
        "async def fetch(url):\n"
        "    data = requests.get(url)\n"
        "    subprocess.run(['ls'])\n"
        "    with open('x') as handle:\n"
        "        handle.read()\n"
        "    await helper()\n"
        "    return data\n\n\n"
        "async def helper():\n"
        "    pass\n\n\n"
        "async def caller():\n"
        "    helper()\n"
        "    if helper():\n"
        "        pass\n"
        "    await helper()\n"
    ),
    "loops.py": (
        "import asyncio\nimport os  # unused: flake8's own F401 must still be reported\n\n\n"
        "async def spin():\n"
        "    while True:\n"
        "        pass\n\n\n"
        "async def guard():\n"
        "    try:\n"
        "        await asyncio.sleep(1)\n"
        "    except asyncio.CancelledError:\n"
        "        pass\n"
    ),
    "silenced.py": (
        "import time\n\n\n"
        "async def quiet():\n"
        "    time.sleep(1)  # noqa: AIO100\n"
        "    time.sleep(2)  # noqa\n"
        "    time.sleep(3)\n"
        "    await quiet()\n"
    ),
    "configured.py": (
        "from mylib.client import fetch\n\n\n"
        "async def go():\n"
        "    fetch()\n"
        "    await go()\n"
    ),
    "clean.py": "import asyncio\n\n\nasync def fine():\n    await asyncio.sleep(1)\n",
}

PYPROJECT = (
    "[tool.asynclint]\n"
    'target-version = "py311"\n'
    '[tool.asynclint.blocking-calls]\n'
    '"mylib.client.fetch" = "use mylib.client.fetch_async"\n'
)

Row = Tuple[str, int, int, str]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flake8_project")
    (root / "pyproject.toml").write_text(PYPROJECT)
    for name, text in SAMPLES.items():
        (root / name).write_text(text)
    return root


def flake8(project: Path, *args: str) -> Tuple[int, List[Row], str]:
    done = subprocess.run(
        [FLAKE8, "--isolated", f"--format={FORMAT}", *args, *sorted(SAMPLES)],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    rows = []
    for line in done.stdout.splitlines():
        path, row, col, code = line.split("|")
        rows.append((path, int(row), int(col), code))
    return done.returncode, sorted(rows), done.stderr


@pytest.fixture(scope="module")
def cli_rows(project: Path) -> List[Row]:
    done = subprocess.run([ASYNCLINT, "--select", "ALL", "--format", "json", *sorted(SAMPLES)],
                          cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    return sorted((f["path"], f["line"], f["column"], f["code"]) for f in json.loads(done.stdout))


def codes_in(rows: List[Row], path: str) -> Set[str]:
    return {row[3] for row in rows if row[0] == path}


def test_flake8_matches_cli(project: Path, cli_rows: List[Row]) -> None:
    code, rows, stderr = flake8(project, "--select", "AIO")
    assert code == 1, stderr
    assert rows == cli_rows
    # The samples exercise several rule families and the configured blocking call.
    assert {"AIO100", "AIO101", "AIO102", "AIO103", "AIO109", "AIO200", "AIO202", "AIO300", "AIO400",
            "AIO500", "AIO501"} <= {row[3] for row in rows}
    assert codes_in(rows, "clean.py") == set()


def test_noqa_is_honoured(project: Path, cli_rows: List[Row]) -> None:
    _, rows, _ = flake8(project, "--select", "AIO")
    silenced = [row for row in rows if row[0] == "silenced.py"]
    assert [(row[1], row[3]) for row in silenced] == [(7, "AIO100")]


def test_per_file_ignores_and_ignore(project: Path, cli_rows: List[Row]) -> None:
    _, rows, _ = flake8(project, "--select", "AIO", "--per-file-ignores=sleepy.py:AIO100", "--ignore", "AIO5")
    expected = [row for row in cli_rows
                if not (row[0] == "sleepy.py" and row[3] == "AIO100") and not row[3].startswith("AIO5")]
    assert rows == expected


def test_extend_select_keeps_flake8_rules(project: Path, cli_rows: List[Row]) -> None:
    _, rows, _ = flake8(project, "--select", "F401", "--extend-select", "AIO")
    assert [row for row in rows if row[3].startswith("AIO")] == cli_rows
    assert [row for row in rows if row[3] == "F401"] == [("loops.py", 2, 1, "F401")]


def test_plain_flake8_reports_asynclints_default_rules(project: Path, cli_rows: List[Row]) -> None:
    """Rules that are off by default in asynclint stay off until flake8 selects them."""
    _, rows, _ = flake8(project)
    assert [row for row in rows if row[3].startswith("AIO")] == [row for row in cli_rows if RULES[row[3]].default]


def test_invalid_configuration_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nselec = ['AIO']\n")
    (tmp_path / "a.py").write_text("async def f():\n    pass\n")
    done = subprocess.run([FLAKE8, "--isolated", "--select", "AIO", "a.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert "tool.asynclint.selec: unknown key" in output
    assert "Traceback" not in output
