"""Which fixes may be applied: ruff's ``--unsafe-fixes``, ``fixable`` and ``unfixable``.

Apart from the fixer so that the command line and the output formats, which only count and
mark fixable findings, can use it without importing LibCST (a warm run never parses).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Iterable, Optional

from asynclint.codes import expand
from asynclint.findings import Finding
from asynclint.settings import Settings


@dataclass(frozen=True)
class FixPolicy:
    """Which fixes may be applied: ruff's ``--unsafe-fixes``, ``fixable`` and ``unfixable``."""

    unsafe: bool = False
    fixable: Optional[FrozenSet[str]] = None  # None: every code
    unfixable: FrozenSet[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings, unsafe: bool) -> "FixPolicy":
        return cls(
            unsafe,
            None if settings.fixable is None else frozenset(expand(settings.fixable)),
            frozenset(expand(settings.unfixable)),
        )

    def allows(self, code: str, applicability: Optional[str]) -> bool:
        if applicability is None or (applicability == "unsafe" and not self.unsafe):
            return False
        if self.fixable is not None and code not in self.fixable:
            return False
        return code not in self.unfixable

    def allows_finding(self, finding: Finding) -> bool:
        return finding.fix is not None and self.allows(finding.code, finding.fix.applicability)

    def hidden_unsafe(self, findings: Iterable[Finding]) -> int:
        """Findings whose fix only ``--unsafe-fixes`` would apply."""
        if self.unsafe:
            return 0
        opened = FixPolicy(True, self.fixable, self.unfixable)
        return sum(1 for f in findings if not self.allows_finding(f) and opened.allows_finding(f))
