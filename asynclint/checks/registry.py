"""Every check the engine runs (their link step is in asynclint.project.link).

Adding a rule: write the check, list it here, add its code to ``asynclint.codes``.
The list lives here rather than in the package's ``__init__`` so that importing
``asynclint.engine.contract`` (as the engine does) does not import every check, which
would import the engine back before it exists.
"""
from __future__ import annotations

from typing import List, Set, Type

from asynclint.engine.contract import Check
from asynclint.checks.blocking import BlockingCalls
from asynclint.checks.cancellation import Cancellation
from asynclint.checks.coroutines import CoroutineCalls
from asynclint.checks.loops import BusyLoops
from asynclint.checks.project import BlockingHelperCalls
from asynclint.checks.tasks import DroppedTasks

ALL_CHECKS: List[Type[Check]] = [BlockingCalls, BlockingHelperCalls, CoroutineCalls, DroppedTasks, BusyLoops, Cancellation]


def checks_for(codes: Set[str], settings: object) -> List[Check]:
    """Instances of the checks that can report at least one of ``codes``."""
    return [cls(settings) for cls in ALL_CHECKS if codes.intersection(cls.codes)]
