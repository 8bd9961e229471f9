"""The default form, ``path:line:col: CODE message``, as flake8 and ruff print it."""
from __future__ import annotations

from collections import Counter
from typing import List, Optional, TextIO

from asynclint.codes import RULES
from asynclint.findings import Finding
from asynclint.fixes.policy import FixPolicy
from asynclint.output.escape import visible


def _plural(count: int, word: str) -> str:
    suffix = "es" if word.endswith(("x", "s")) else "s"
    return f"{count} {word}{suffix if count != 1 else ''}"


def write_findings(findings: List[Finding], out: TextIO, policy: Optional[FixPolicy] = None) -> None:
    """One line per finding, whatever the file is called (see ``escape``); ``[*]`` marks
    those a ``--fix`` run with these options would fix."""
    for finding in findings:
        fixable = policy.allows_finding(finding) if policy is not None else finding.fix is not None
        marker = " [*]" if fixable else ""
        path, message = visible(finding.path), visible(finding.message)
        out.write(f"{path}:{finding.line}:{finding.column}: {finding.code}{marker} {message}\n")


def write_summary(
    findings: List[Finding], out: TextIO, policy: Optional[FixPolicy] = None, fixed: Optional[int] = None
) -> None:
    """ruff's closing lines: the count (and what --fix did), then what more could be fixed."""
    count = len(findings)
    if fixed:
        out.write(f"Found {_plural(count + fixed, 'problem')} ({fixed} fixed, {count} remaining).\n")
    elif count == 0:
        out.write("All checks passed!\n")
    else:
        out.write(f"Found {_plural(count, 'problem')}.\n")
    if policy is None:
        return
    fixable = sum(1 for f in findings if policy.allows_finding(f))
    if fixable:
        out.write(f"[*] {fixable} fixable with the `--fix` option.\n")
    hidden = policy.hidden_unsafe(findings)
    if hidden:
        out.write(f"({_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option.)\n")


def write_statistics(findings: List[Finding], out: TextIO) -> None:
    """One line per code, most frequent first: count, code, rule name."""
    counts = Counter(finding.code for finding in findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        name = RULES[code].name if code in RULES else ""
        out.write(f"{count:>{width}}\t{code}\t{name}\n")
