"""Valid code is analysed, not reported as a syntax error or an internal error (issue 19, item 7).

Each file below is code CPython accepts, with one real finding (``time.sleep`` in an
``async def``). Long chains are deep trees that used to exhaust recursion (AIO003); code
LibCST's parser refuses used to be AIO001. Now the finding is reported and ``--fix`` fixes
it, or, where LibCST cannot parse the file at all, the file is AIO002 with the reason.
"""
from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import libcst as cst

from conftest import run_cli

TIMEOUT = 300
HEAD = "import time\n\n\nasync def f(x):\n    time.sleep(1)\n"  # the finding: line 5, column 5
FINDING = (5, 5, "AIO100")


def lint(path: Path, *args: str) -> Tuple["subprocess.CompletedProcess[str]", List[dict]]:
    done = run_cli(["--select", "ALL", "--format", "json", "-j", "1", "--no-cache", *args, path.name],
                   cwd=path.parent, timeout=TIMEOUT)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done, json.loads(done.stdout) if done.stdout.strip() else []


def codes(findings: List[dict]) -> List[Tuple[int, int, str]]:
    return sorted((f["line"], f["column"], f["code"]) for f in findings)


def fix(path: Path) -> "subprocess.CompletedProcess[str]":
    done = run_cli(["--select", "AIO100", "--fix", "--unsafe-fixes", "-j", "1", "--no-cache", path.name], cwd=path.parent, timeout=TIMEOUT)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done


def and_chain(terms: int) -> str:
    return HEAD + "    if " + " and ".join(f"x{i}" for i in range(terms)) + ":\n        pass\n"


# -- long chains: deep trees that exhausted recursion ---------------------------------------


def test_a_5000_term_and_chain_reports_the_real_finding(tmp_path: Path) -> None:
    path = tmp_path / "chain.py"
    path.write_text(and_chain(5000))
    done, findings = lint(path)
    assert done.returncode == 1, done.stderr
    assert FINDING in codes(findings) and not {"AIO001", "AIO002", "AIO003"} & {f["code"] for f in findings}, findings


def test_fix_on_a_5000_term_and_chain(tmp_path: Path) -> None:
    """LibCST's transformer and code generation recurse through the chain too."""
    path = tmp_path / "chain.py"
    source = and_chain(5000)
    path.write_text(source)
    done = fix(path)
    if sys.version_info >= (3, 12):  # LibCST's code generation meets the fixed C recursion limit
        assert done.returncode == 1 and path.read_text() == source
        assert done.stderr == "asynclint: warning: chain.py: fix skipped, code nested too deeply to fix\n", done.stderr
        return
    assert done.returncode == 0, done.stdout + done.stderr
    fixed = path.read_text()
    assert fixed == source.replace("import time\n", "import asyncio\n").replace("time.sleep(1)", "await asyncio.sleep(1)")
    compile(fixed, "chain.py", "exec")


def test_3000_chained_calls_report_the_real_finding() -> None:
    """The tree of 3,000 chained ``.m()`` calls, built directly: LibCST's own parser takes
    minutes on such a chain (its time grows with about the cube of the length), so the
    command is too slow to test at this size. Everything after parsing is tested here,
    with the same tree LibCST makes: it generates the file's text exactly."""
    from asynclint.engine import deep
    from asynclint.engine.analysis import analyze
    from asynclint.codes import RULES
    from asynclint.config import Settings

    text = HEAD + "    x" + ".m()" * 3000 + "\n"
    module = cst.parse_module(HEAD + "    x\n")
    chain: cst.BaseExpression = cst.Name("x")
    for _ in range(3000):
        chain = cst.Call(func=cst.Attribute(value=chain, attr=cst.Name("m")))
    function = module.body[1]
    line = function.body.body[1]
    line = line.with_changes(body=[line.body[0].with_changes(value=chain)])
    function = function.with_changes(body=function.body.with_changes(body=[function.body.body[0], line]))
    module = module.with_changes(body=[module.body[0], function])
    if sys.version_info < (3, 12):  # 3.12+ cannot generate code this deep (fixed C recursion limit)
        assert deep.deeply(lambda: module.code) == text

    analysis = analyze(text, "chain.py", "chain", False, Settings(), frozenset(RULES), module=module)
    found = [(f.line, f.column, f.code) for f in analysis.findings]
    assert FINDING in found and not {"AIO001", "AIO002", "AIO003"} & {code for _, _, code in found}, found


# -- code LibCST's grammar has no rule for ----------------------------------------------------

# CPython accepts a parenthesised annotation target (its own Lib/test uses them); LibCST 1.9
# has no rule for it. Module level, class level, nested parentheses, an attribute target,
# after a semicolon, with a comment, and one in the async def before the finding.
PARENTHESISED = (
    "import time\n"
    "\n"
    "(x): int = 1\n"
    "class C:\n"
    "    ( (y ) )  : int\n"
    "    z: int = 2; (C.w) :str = 's'  # comment\n"
    "async def f(x):\n"
    "    (q): float = 1.0\n"
    "    time.sleep(1)\n"
)


def test_parenthesised_annotation_targets_are_analysed(tmp_path: Path) -> None:
    path = tmp_path / "targets.py"
    path.write_text(PARENTHESISED)
    done, findings = lint(path)
    assert done.returncode == 1, done.stderr
    assert codes(findings) == [(7, 1, "AIO201"), (9, 5, "AIO100")], findings  # AIO201: f never awaits


def test_fix_keeps_parenthesised_annotation_targets(tmp_path: Path) -> None:
    """The tree is the original file's (it generates it byte for byte), so fixing works and
    the fixed file keeps every other byte."""
    path = tmp_path / "targets.py"
    path.write_text(PARENTHESISED)
    done = fix(path)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = PARENTHESISED.replace("import time\n", "import asyncio\n").replace("time.sleep(1)", "await asyncio.sleep(1)")
    assert path.read_text() == expected
    assert lint(path)[1] == []


def test_a_target_split_across_lines_is_aio002_not_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "split.py"
    path.write_text(HEAD + "(\n    x): int = 1\n")
    done, findings = lint(path)
    assert done.returncode == 1
    assert [(f["line"], f["code"]) for f in findings] == [(6, "AIO002")], findings
    message = findings[0]["message"]
    assert message.startswith("cannot analyse: LibCST ") and "cannot parse valid code at line 6" in message, message
    assert "parenthesised annotation target" in message


# -- code LibCST's parser refuses -------------------------------------------------------------


def test_3200_concatenated_strings_are_analysed(tmp_path: Path) -> None:
    """LibCST refuses more than 3,000 implicitly concatenated strings (a fixed limit in its
    grammar). The run is parsed in chunks and joined; the finding in its 3,101st string and
    the one before it are reported and fixed. On CPython 3.12+ LibCST's code generation cannot
    prove the joined tree right (a fixed C recursion limit): the file is AIO002, with the
    reason, and no syntax error."""
    path = tmp_path / "strings.py"
    pieces = "".join("        f'{time.sleep(2)}'\n" if i == 3100 else f"        'piece {i}'  # {i}\n" for i in range(3200))
    source = HEAD + "    s = (\n" + pieces + "    )\n"
    path.write_text(source)
    compile(source, "strings.py", "exec")
    done, findings = lint(path)
    assert done.returncode == 1
    if sys.version_info >= (3, 12):
        assert [(f["line"], f["code"]) for f in findings] == [(7, "AIO002")], findings
        assert findings[0]["message"].endswith(
            "cannot parse valid code at line 7: an implicit concatenation of 3,200 strings (LibCST's limit is 3,000)"
        ), findings[0]["message"]
        assert fix(path).returncode == 1 and path.read_text() == source
        return
    assert codes(findings) == [(4, 1, "AIO201"), FINDING, (3107, 12, "AIO100")], findings  # AIO201: f never awaits

    done = fix(path)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = source.replace("import time\n", "import asyncio\n").replace("time.sleep(", "await asyncio.sleep(")
    assert path.read_text() == expected


def test_real_syntax_errors_are_still_aio001(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(HEAD + "(x): int = \n")
    done, findings = lint(path)
    assert [(f["line"], f["code"]) for f in findings] == [(6, "AIO001")], findings


def test_deep_and_rewritten_files_leave_no_cyclic_garbage(tmp_path: Path) -> None:
    """The deep retry's thread and the rewritten parse free their trees by reference counting."""
    from asynclint.codes import RULES
    from asynclint.config import Settings
    from asynclint.run.check_file import analyze_text

    for name, source in (("chain.py", and_chain(3000)), ("targets.py", PARENTHESISED)):
        path = tmp_path / name
        gc.collect()
        gc.disable()
        try:
            result = analyze_text(source, name, path, Settings(), frozenset(RULES))
            assert any(f.code == "AIO100" for f in result.findings), result.findings
            del result
            assert gc.collect() == 0, name
        finally:
            gc.enable()
