"""What a check's hooks see of the walk: where it is, what it has noted, and how to report.

The walker (walker.py) keeps this state up to date as it descends; checks only read it and
call ``report``, ``defer`` and ``watch_unused``.
"""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Optional, Set

import libcst as cst
from libcst._nodes.base import CSTNode

from asynclint.engine.contract import Deferred, Fix, Report
from asynclint.engine.node_types import RANKED
from asynclint.engine.place import Place
from asynclint.engine.resolver import Resolver
from asynclint.engine.fact_collection import CallSites
from asynclint.project.facts import FileFacts
from asynclint.settings import Settings

Frame = Place  # what ``Context.frame`` holds: the place of a function, a lambda or the module


class Watcher(NamedTuple):
    """An assignment ``watch_unused`` waits on: reported when ``frame`` ends, unless
    ``target``'s name is mentioned again before that."""

    frame: Place
    target: CSTNode
    on_unused: Callable[[], None]


class Context:
    """Passed to every hook: the walk's state plus ``report``.

    Where the walk is has one model, the ``Place`` chain: ``place`` is the innermost
    module, class, function or lambda (its scope is what names resolve in) and ``frame``
    the innermost one that runs code of its own (not a class body), whose yield points
    checks count. ``parents`` is separate because it is another thing: the syntax path
    from the module to the node being visited, every node on it, not only those that open
    a scope.
    """

    def __init__(self, module: cst.Module, module_name: str, resolver: Resolver, settings: Settings, enabled: Set[str]) -> None:
        self.module = module
        self.module_name = module_name
        self.resolver = resolver
        self.settings = settings
        self.enabled = enabled
        resolver.module_place.node = module
        self.frame: Place = resolver.module_place
        self.parents: List[CSTNode] = []
        self.awaited: Set[int] = set()
        self.reports: List[Report] = []
        self.deferred: List[Deferred] = []
        # (call node, function facts, callee, code): first blocking call of each sync function
        self.sites = CallSites()  # what fact collection learned about calls
        self.facts = FileFacts(module_name, "")
        # every node of the RANKED types, by kind, in source order
        self.seen: Dict[str, List[CSTNode]] = {kind: [] for kind in set(RANKED.values())}
        # name -> its assignments waiting on "assigned, never used again"
        self.watched: Dict[str, List[Watcher]] = {}

    @property
    def place(self) -> Place:
        """The innermost module, class, function or lambda the walk is in."""
        return self.resolver.place

    @property
    def in_async(self) -> bool:
        """True in the own body of an ``async def`` (not in nested defs or lambdas)."""
        return self.frame.is_async

    @property
    def parent(self) -> Optional[CSTNode]:
        return self.parents[-1] if self.parents else None

    def is_awaited(self, node: CSTNode) -> bool:
        return id(node) in self.awaited

    def callee(self, call: cst.Call) -> Optional[str]:
        return self.resolver.callee(call.func)

    def value(self, expr: cst.BaseExpression) -> Optional[str]:
        return self.resolver.value(expr)

    def unknown_attribute(self, expr: cst.BaseExpression) -> bool:
        """``self.loop`` where the class never assigns ``loop``: its type is unknown, not a
        project name, so heuristics on the attribute's name may apply."""
        owner = self.frame.class_qualname
        if owner is None or expr.__class__ is not cst.Attribute or self.value(expr.value) != owner:
            return False
        full = f"{owner}.{expr.attr.value}"
        if full in self.resolver.attributes:
            return False
        place: Optional[Place] = self.resolver.place
        while place is not None and place.qualname != owner:
            place = place.parent
        return place is None or expr.attr.value not in place.scope.names

    def report(self, node: CSTNode, code: str, message: str, fix: Optional[Fix] = None) -> None:
        if code in self.enabled:
            self.reports.append(Report(node, code, message, fix))

    def defer(self, node: CSTNode, code: str, callee: str, fix: Optional[Fix] = None, iterated: bool = False) -> None:
        """A finding that depends on the project index (is ``callee`` a coroutine? does it block?)."""
        if code in self.enabled:
            self.deferred.append(Deferred(node, code, callee, self.frame.qualname, fix, iterated))

    def watch_unused(self, target: cst.Name, on_unused: Callable[[], None]) -> None:
        """Call ``on_unused`` when the current function ends if ``target`` is never read again.

        Any later mention of the name counts as a use (conservative: a rebinding, a
        ``del``, a closure reading it), so only the plain "assigned and forgotten" case fires.
        """
        if target.value in self.resolver.place.scope.globals:
            return  # a global or nonlocal outlives the function: others may use it
        self.watched.setdefault(target.value, []).append(Watcher(self.frame, target, on_unused))
