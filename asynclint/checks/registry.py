"""Every check the engine runs, derived from the rule table in ``asynclint.codes``.

Each row names the check that reports its code, so adding a rule never means listing its
check a second time. The derivation lives here rather than in the package's ``__init__``
so that importing ``asynclint.engine.contract`` (as the engine does) does not import every
check, which would import the engine back before it exists.
"""
from __future__ import annotations

from typing import List, Set, Type

from asynclint.codes import RULES, load
from asynclint.engine.contract import Check
from asynclint.settings import Settings


def _named_checks() -> List[Type[Check]]:
    """Each check the table names, imported once, in the table's order (the walk runs their
    hooks in this order)."""
    references = dict.fromkeys(rule.check for rule in RULES.values() if rule.check is not None)
    return [load(reference) for reference in references]


ALL_CHECKS: List[Type[Check]] = _named_checks()


def checks_for(codes: Set[str], settings: Settings) -> List[Check]:
    """Instances of the checks that can report at least one of ``codes``."""
    return [cls(settings) for cls in ALL_CHECKS if codes.intersection(cls.codes)]
