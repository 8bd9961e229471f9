"""The contract between the engine and a check.

A check is a small class, instantiated once per file, with methods named after LibCST node
types: ``visit_Call(self, node, ctx)`` runs before the node's children are walked and
``leave_Call(self, node, ctx)`` after. ``codes`` lists every code the check may report, and
the rule table (``asynclint.codes``) names the check for each of them; the engine skips a
check none of whose codes are selected. Checks report through
``ctx.report`` and never print, read files or know about output formats.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar, Optional, Tuple

import libcst as cst

from asynclint.settings import Settings


@dataclass
class Fix:
    """A proposed change: ``edit`` is applied to the tree by the fixer.

    ``edit`` receives the fixer's editing session; keeping it a callable lets each check
    describe its own rewrite without the engine knowing every fix's shape.
    """

    applicability: str  # "safe" or "unsafe"
    message: str
    edit: Optional[Callable[..., None]] = field(default=None, compare=False)


class Check:
    codes: ClassVar[Tuple[str, ...]] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


@dataclass
class Report:
    """A finding while the tree is alive: it still points at the node."""

    node: cst.CSTNode
    code: str
    message: str
    fix: Optional[Fix] = None


@dataclass
class Deferred:
    """A finding the project index must confirm; ``callee`` is what it depends on."""

    node: cst.CSTNode
    code: str
    callee: str
    context: str
    fix: Optional[Fix] = None
    iterated: bool = False  # the call is a for loop's iterable (a generator's body then runs)
