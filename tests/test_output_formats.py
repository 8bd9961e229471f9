"""``--format sarif``, ``--format github`` and ``--show-source``, from the real executable.

One project is checked once per format; each test reads the shared output.
"""
from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
from pathlib import Path
from typing import Dict, List

import pytest

from asynclint.codes import RULES
from conftest import find_asynclint, run_cli

ASYNCLINT = str(find_asynclint())

FILES = {
    "pkg/__init__.py": "",
    "pkg/worker.py": (
        "import asyncio\nimport time\n\n\n"
        "async def work():\n"
        "    time.sleep(1)\n"
        "    asyncio.create_task(work())\n"
        "    loop = asyncio.get_event_loop()\n"
        "    await asyncio.sleep(0)\n"
        "    return loop\n"
    ),
    "odd,name%.py": "import time\n\n\nasync def nap():\n    \u00e9t\u00e9 = 1; time.sleep(\u00e9t\u00e9)\n    await nap()\n",
    "broken.py": "def (:\n",
}


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ASYNCLINT, "--select", "ALL", *args, "."], cwd=project,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def findings(project: Path) -> List[dict]:
    done = run(project, "--format", "json")
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def sarif(project: Path) -> dict:
    done = run(project, "--format", "sarif", "--unsafe-fixes")
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_sarif_envelope_and_rules(sarif: dict) -> None:
    assert sarif["version"] == "2.1.0"
    assert "sarif" in sarif["$schema"]
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "asynclint" and driver["version"]
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == list(RULES)
    for rule in rules:
        assert rule["name"] == RULES[rule["id"]].name
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["id"] in rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note", "none")


def test_sarif_results_match_json_findings(sarif: dict, findings: List[dict]) -> None:
    run_ = sarif["runs"][0]
    ids = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    results = run_["results"]
    assert len(results) == len(findings)
    for result, finding in zip(results, findings):
        assert result["ruleId"] == finding["code"] and result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"] == finding["message"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert "\\" not in uri and not uri.startswith("/")
        region = physical["region"]
        assert region["startLine"] == finding["line"] >= 1
        assert region["startColumn"] == finding["column"] >= 1
        assert (region["endLine"], region["endColumn"]) == (finding["end_line"], finding["end_column"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "pkg/worker.py" in uris and "odd%2Cname%25.py" in uris


def apply_replacements(text: str, replacements: List[dict]) -> str:
    for replacement in sorted(replacements, key=lambda r: -r["deletedRegion"]["charOffset"]):
        region = replacement["deletedRegion"]
        start = region["charOffset"]
        text = text[:start] + replacement.get("insertedContent", {}).get("text", "") + text[start + region["charLength"]:]
    return text


def test_sarif_fixes_are_the_fixers_edits(project: Path, sarif: dict) -> None:
    """Applying one result's fix gives what ``--fix`` would do for that finding alone."""
    results = sarif["runs"][0]["results"]
    with_fix = [r for r in results if "fixes" in r]
    assert {r["ruleId"] for r in with_fix} >= {"AIO100", "AIO300", "AIO501"}
    assert all(r["ruleId"] not in ("AIO001", "AIO201") for r in with_fix)
    source = (project / "pkg/worker.py").read_text()
    by_code: Dict[str, dict] = {r["ruleId"]: r for r in with_fix
                                if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/worker.py"}
    for code, expected in (("AIO100", "    await asyncio.sleep(1)\n"), ("AIO501", "asyncio.get_running_loop()")):
        (fix,) = by_code[code]["fixes"]
        assert fix["description"]["text"]
        (change,) = fix["artifactChanges"]
        assert change["artifactLocation"]["uri"] == "pkg/worker.py"
        fixed = apply_replacements(source, change["replacements"])
        assert expected in fixed
        compile(fixed, "worker.py", "exec")
        # Only this finding's fix: the other fixable lines are untouched.
        others = [line for line in source.splitlines() if "time.sleep" not in line and "get_event_loop" not in line]
        assert all(line in fixed.splitlines() for line in others if line.strip())


def test_sarif_columns_count_code_points(sarif: dict) -> None:
    assert sarif["runs"][0]["columnKind"] == "unicodeCodePoints"
    (result,) = [r for r in sarif["runs"][0]["results"]
                 if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "odd%2Cname%25.py"]
    region = result["locations"][0]["physicalLocation"]["region"]
    line = FILES["odd,name%.py"].splitlines()[4]
    assert (region["startColumn"], region["endColumn"]) == (line.index("time") + 1, len(line) + 1)


def test_github_annotations(project: Path, findings: List[dict]) -> None:
    done = run(project, "--format", "github")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == len(findings)
    for line, finding in zip(lines, findings):
        assert line.startswith("::error file=")
        properties, message = line[len("::error "):].split("::", 1)
        fields = dict(part.split("=", 1) for part in properties.split(","))
        assert fields["line"] == str(finding["line"]) and fields["col"] == str(finding["column"])
        assert fields["endLine"] == str(finding["end_line"]) and fields["endColumn"] == str(finding["end_column"])
        assert fields["title"] == finding["code"]
        assert "\n" not in message and "\r" not in message
    assert any("file=odd%2Cname%25.py," in line for line in lines)
    assert any("file=pkg/worker.py," in line for line in lines)


def test_github_escapes_messages(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.asynclint.blocking-calls]\n"mylib.client.fetch" = "use fetch_async: 100% non-blocking"\n')
    (tmp_path / "m.py").write_text("from mylib.client import fetch\n\n\nasync def go():\n    fetch()\n    await go()\n")
    done = subprocess.run([ASYNCLINT, "--select", "AIO109", "--format", "github", "m.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    (line,) = done.stdout.splitlines()
    message = line.split("::", 2)[2]
    assert "100%25 non-blocking" in message and "100% " not in message


def test_show_source_puts_a_caret_under_the_finding(project: Path, findings: List[dict]) -> None:
    done = run(project, "--show-source")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("pkg/worker.py:6:5: AIO100"))
    assert lines[header + 2] == "6 |     time.sleep(1)"
    caret_line = lines[header + 3]
    assert caret_line == "  |     " + "^" * len("time.sleep(1)")
    # The caret counts characters, not bytes, on a line with non-ASCII text.
    odd = next(i for i, line in enumerate(lines) if line.startswith("odd,name%.py:5:14: AIO100"))
    assert lines[odd + 3] == "  | " + " " * len("    \u00e9t\u00e9 = 1; ") + "^" * len("time.sleep(\u00e9t\u00e9)")
    assert any(line.startswith("Found ") for line in lines)


def test_show_source_with_another_format_is_a_usage_error(project: Path) -> None:
    done = run(project, "--show-source", "--format", "json")
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1


# -- file names that are not valid UTF-8 or hold control characters (issue 19, item 10) -------

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n    await nap()\n"
# name on disk -> how text, github and json show it (json: the decoded string) and the SARIF URI
ODD_NAMES = {
    b"bad\xff.py": ("bad\\xff.py", "bad\\xff.py", "bad\\xff.py", "bad%FF.py"),
    b"new\nline.py": ("new\\nline.py", "new%0Aline.py", "new\nline.py", "new%0Aline.py"),
    b"tab\there.py": ("tab\\there.py", "tab\\there.py", "tab\there.py", "tab%09here.py"),
    b"esc\x1b[2J.py": ("esc\\x1b[2J.py", "esc\\x1b[2J.py", "esc\x1b[2J.py", "esc%1B%5B2J.py"),
}


@pytest.fixture(scope="module")
def odd_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odd_names")
    (root / "good.py").write_text(SLEEPS, encoding="utf-8")
    for name in ODD_NAMES:
        try:
            with open(os.path.join(os.fsencode(root), name), "wb") as handle:
                handle.write(SLEEPS.encode())
        except (OSError, ValueError):
            pytest.skip(f"the file system does not accept the name {name!r}")
    return root


def odd_run(root: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    done = run_cli(["--no-cache", "--select", "ALL", *args, "."], cwd=root)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "" or args[:1] == ("--diff",)
    assert "\\ud" not in done.stdout  # no lone surrogate, escaped or not
    return done


def test_odd_names_in_text_output(odd_project: Path) -> None:
    lines = odd_run(odd_project).stdout.splitlines()
    expected = sorted(["good.py"] + [shown[0] for shown in ODD_NAMES.values()])
    assert sorted(line.split(":5:5: AIO100 ")[0] for line in lines[:len(expected)]) == expected
    assert lines[len(expected)] == f"Found {len(expected)} problems."


def test_odd_names_in_json_output(odd_project: Path) -> None:
    paths = [f["path"] for f in json.loads(odd_run(odd_project, "--format", "json").stdout)]
    assert sorted(paths) == sorted(["good.py"] + [shown[2] for shown in ODD_NAMES.values()])


def test_odd_names_in_sarif_output(odd_project: Path) -> None:
    log = json.loads(odd_run(odd_project, "--format", "sarif").stdout)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert sorted(uris) == sorted(["good.py"] + [shown[3] for shown in ODD_NAMES.values()])
    for name, shown in ODD_NAMES.items():  # the URI names the real file
        assert urllib.parse.unquote_to_bytes(shown[3]) == name


def test_odd_names_in_github_output(odd_project: Path) -> None:
    lines = odd_run(odd_project, "--format", "github").stdout.splitlines()
    files = [line[len("::error file="):].split(",line=")[0] for line in lines]
    assert sorted(files) == sorted(["good.py"] + [shown[1] for shown in ODD_NAMES.values()])


def test_odd_names_in_diff_headers(odd_project: Path) -> None:
    headers = [line for line in odd_run(odd_project, "--diff", "--unsafe-fixes").stdout.splitlines() if line.startswith("--- ")]
    assert sorted(headers) == sorted(["--- good.py"] + [f"--- {shown[0]}" for shown in ODD_NAMES.values()])
