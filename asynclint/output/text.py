"""The default form, ``path:line:col: CODE message``, as flake8 and ruff print it."""
from __future__ import annotations

from collections import Counter
from typing import List, TextIO

from asynclint.codes import RULES
from asynclint.findings import Finding


def write_findings(findings: List[Finding], out: TextIO) -> None:
    for finding in findings:
        marker = " [*]" if finding.fix is not None else ""
        out.write(f"{finding.path}:{finding.line}:{finding.column}: {finding.code}{marker} {finding.message}\n")


def write_summary(findings: List[Finding], out: TextIO) -> None:
    count = len(findings)
    if count == 0:
        out.write("All checks passed!\n")
    else:
        out.write(f"Found {count} problem{'s' if count != 1 else ''}.\n")


def write_statistics(findings: List[Finding], out: TextIO) -> None:
    """One line per code, most frequent first: count, code, rule name."""
    counts = Counter(finding.code for finding in findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        name = RULES[code].name if code in RULES else ""
        out.write(f"{count:>{width}}\t{code}\t{name}\n")
