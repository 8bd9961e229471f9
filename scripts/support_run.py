#!/usr/bin/env python
"""Reliability check of the installed ``asynclint`` on real code (issue 7, "On real code").

For each corpus directory this script works on a private copy (the corpus itself is never
written to) and checks the promises users rely on when they put ``asynclint --fix`` in a
pre-commit hook:

* a run with every rule selected reports no AIO003 (internal error);
* every AIO001 is a real syntax error: LibCST's parser (for the target version) and the
  newest CPython available both reject the file;
* ``--fix --unsafe-fixes`` leaves every changed file parseable by LibCST and compilable
  by the newest CPython, changes only files that had a fixable finding, and a second fix
  run changes nothing.

It prints a summary (files, findings per code, files changed, fixes per rule, timing) and
exits 1 on any violation, 2 if it could not run at all.

Usage: python scripts/support_run.py [CORPUS_DIR ...] [--python PATH] [--target-version 3.13]
"""
from __future__ import annotations

import argparse
import collections
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

DEFAULT_CORPORA = ["/work/corpora/ha/homeassistant", "/work/corpora/aiohttp-3.14.5"]

# Runs in the newest interpreter: which of the files named on stdin fail to compile.
_COMPILE_PROBE = r"""
import json, sys, warnings
bad = {}
for path in json.load(sys.stdin):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", 0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        bad[path] = f"{type(error).__name__}: {error}".splitlines()[0]
json.dump(bad, sys.stdout)
"""


def asynclint_exe() -> str:
    beside = Path(sys.executable).parent / "asynclint"
    found = str(beside) if beside.exists() else shutil.which("asynclint")
    if not found:
        sys.exit("support_run: the asynclint console script is not installed")
    return found


def newest_python() -> str:
    """The newest CPython under pyenv: real corpora use syntax newer than the dev interpreter."""
    candidates = glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python"))

    def version(path: str) -> Tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    candidates = [c for c in candidates if version(c)]
    return max(candidates, key=version) if candidates else sys.executable


def python_version(python: str) -> str:
    out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def source_files(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".py", ".pyi") and p.is_file() and not p.is_symlink())


def hashes(root: Path) -> Dict[str, str]:
    """Digest of every regular file below ``root`` (not just sources: fixes must touch nothing else)."""
    out: Dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and ".asynclint_cache" not in path.parts:
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run_asynclint(args: Sequence[str], cwd: Path) -> Tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run([asynclint_exe(), *args], cwd=cwd, capture_output=True, text=True)
    return done, time.perf_counter() - start


def compile_failures(python: str, paths: Sequence[Path]) -> Dict[str, str]:
    if not paths:
        return {}
    done = subprocess.run([python, "-c", _COMPILE_PROBE], input=json.dumps([str(p) for p in paths]),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"compile probe failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def libcst_failure(path: Path, target: str) -> Optional[str]:
    import libcst

    try:
        data = path.read_bytes()
        from asynclint.source import decode

        text = decode(data).text
        libcst.parse_module(text, config=libcst.PartialParserConfig(python_version=target))
    except Exception as error:  # any failure to parse is what we are looking for
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return None


class Check:
    """Collects violations; each is one line naming the corpus, the file and the promise broken."""

    def __init__(self) -> None:
        self.violations: List[str] = []

    def fail(self, message: str) -> None:
        self.violations.append(message)
        print(f"  VIOLATION: {message}", flush=True)


def check_corpus(corpus: Path, workdir: Path, python: str, target: str, check: Check) -> None:
    name = corpus.name
    copy = workdir / name
    print(f"\n== {corpus}", flush=True)
    shutil.copytree(corpus, copy, symlinks=True)
    files = source_files(copy)
    print(f"  source files: {len(files)}")

    # 1. check run, every rule
    done, lint_time = run_asynclint(["--select", "ALL", "--format", "json", "--exit-zero", name], workdir)
    if done.returncode != 0:
        check.fail(f"{name}: check run exited {done.returncode}: {done.stderr.strip()[-300:]}")
        return
    if "Traceback" in done.stderr:
        check.fail(f"{name}: traceback on stderr in check run")
    findings = json.loads(done.stdout)
    per_code = collections.Counter(f["code"] for f in findings)
    print(f"  check run: {len(findings)} findings in {lint_time:.1f}s")
    for code, count in sorted(per_code.items()):
        print(f"    {code}: {count}")
    for finding in findings:
        if finding["code"] == "AIO003":
            check.fail(f"{finding['path']}:{finding['line']}: AIO003 {finding['message']}")

    # 2. every AIO001 is a real syntax error, for LibCST and for CPython
    syntax = sorted({f["path"] for f in findings if f["code"] == "AIO001"})
    cpython_bad = compile_failures(python, [workdir / p for p in syntax])
    for display in syntax:
        path = workdir / display
        if libcst_failure(path, target) is None:
            check.fail(f"{display}: AIO001 but LibCST parses it for Python {target}")
        if str(path) not in cpython_bad:
            check.fail(f"{display}: AIO001 but Python {python_version(python)} compiles it")
    print(f"  AIO001 files cross-checked: {len(syntax)}")

    # 3. fix on the copy; only files with a fixable finding may change
    fixable = {f["path"] for f in findings if f.get("fix")}
    before = hashes(workdir)
    done, fix_time = run_asynclint(["--select", "ALL", "--fix", "--unsafe-fixes", "--format", "json", "--exit-zero", name], workdir)
    if done.returncode != 0 or "Traceback" in done.stderr:
        check.fail(f"{name}: fix run exited {done.returncode}: {done.stderr.strip()[-300:]}")
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    after = hashes(workdir)
    changed = sorted(p for p in after if before.get(p) != after[p])
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    for path in added:
        check.fail(f"{path}: created by --fix (temporary file left behind?)")
    for path in removed:
        check.fail(f"{path}: removed by --fix")
    for path in changed:
        if path not in fixable:
            check.fail(f"{path}: changed by --fix but had no fixable finding")
    print(f"  fix run: {fix_time:.1f}s, {len(changed)} files changed, {len(warnings)} warning lines")
    for line in warnings[:10]:
        print(f"    stderr: {line}")
    remaining = collections.Counter(f["code"] for f in json.loads(done.stdout or "[]") if f.get("fix"))
    fixed_per_code = collections.Counter(f["code"] for f in findings if f.get("fix") and f["path"] in changed)
    print("  fixable findings in changed files, per code (before fix -> still fixable after):")
    for code in sorted(set(fixed_per_code) | set(remaining)):
        print(f"    {code}: {fixed_per_code[code]} -> {remaining[code]}")

    # 4. every changed file parses (LibCST) and compiles (newest CPython)
    changed_paths = [workdir / p for p in changed if p.endswith((".py", ".pyi"))]
    cpython_bad = compile_failures(python, changed_paths)
    for path in changed_paths:
        reason = libcst_failure(path, target)
        if reason is not None:
            check.fail(f"{path.relative_to(workdir)}: fixed file does not parse with LibCST: {reason}")
        if str(path) in cpython_bad:
            check.fail(f"{path.relative_to(workdir)}: fixed file does not compile: {cpython_bad[str(path)]}")

    # 5. a second fix run changes nothing
    done, again_time = run_asynclint(["--select", "ALL", "--fix", "--unsafe-fixes", "--format", "json", "--exit-zero", name], workdir)
    if done.returncode != 0 or "Traceback" in done.stderr:
        check.fail(f"{name}: second fix run exited {done.returncode}: {done.stderr.strip()[-300:]}")
    second = hashes(workdir)
    for path in sorted(p for p in second if after.get(p) != second[p]):
        check.fail(f"{path}: changed again by a second --fix run")
    print(f"  second fix run: {again_time:.1f}s, {sum(1 for p in second if after.get(p) != second[p])} files changed")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=DEFAULT_CORPORA)
    parser.add_argument("--python", default=None, help="interpreter for compile() checks (default: newest under pyenv)")
    parser.add_argument("--target-version", default=None, help="LibCST grammar version (default: that interpreter's)")
    args = parser.parse_args(argv)
    python = args.python or newest_python()
    target = args.target_version or python_version(python)
    print(f"asynclint: {asynclint_exe()}\ncompile check: {python} ({python_version(python)}); LibCST target {target}")
    check = Check()
    started = time.perf_counter()
    for corpus in args.corpora:
        path = Path(corpus)
        if not path.is_dir():
            print(f"support_run: {corpus}: not a directory", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="asynclint-support-") as tmp:
            check_corpus(path.resolve(), Path(tmp), python, target, check)
    print(f"\ntotal time {time.perf_counter() - started:.1f}s; violations: {len(check.violations)}")
    return 1 if check.violations else 0


if __name__ == "__main__":
    sys.exit(main())
