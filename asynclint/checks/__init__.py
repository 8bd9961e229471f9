"""Every check the engine runs, and the link step of those that need the project index.

Adding a rule: write the check, list it here, add its code to ``asynclint.codes``.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Type

from asynclint.checks.base import Check
from asynclint.checks.blocking import BlockingCalls
from asynclint.checks.cancellation import Cancellation
from asynclint.checks.coroutines import CoroutineCalls, link_condition, link_dropped
from asynclint.checks.loops import BusyLoops
from asynclint.checks.project import ProjectFacts, link_blocking_helper
from asynclint.checks.tasks import DroppedTasks
from asynclint.facts import Pending
from asynclint.index import ProjectIndex

ALL_CHECKS: List[Type[Check]] = [BlockingCalls, ProjectFacts, CoroutineCalls, DroppedTasks, BusyLoops, Cancellation]

# Code -> how a deferred finding is confirmed against the project index: a message, or None.
LINKERS: Dict[str, Callable[[Pending, ProjectIndex], Optional[str]]] = {
    "AIO110": link_blocking_helper,
    "AIO200": link_dropped,
    "AIO202": link_condition,
}


def checks_for(codes: Set[str], settings: object) -> List[Check]:
    """Instances of the checks that can report at least one of ``codes``."""
    return [cls(settings) for cls in ALL_CHECKS if codes.intersection(cls.codes)]
