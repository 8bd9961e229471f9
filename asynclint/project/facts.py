"""What one file tells the project index, and findings that wait for it.

Both are plain data gathered in the file's single walk, so they cross process and cache
boundaries and a file never has to be parsed again to link it with the others.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from asynclint.findings import FixInfo

# Appended to a class's qualified name for what ``super()`` returns in its methods: the index
# then looks an attribute up in the class's bases only (``pkg.mod.Class.<super>.setup``).
SUPER = ".<super>"


@dataclass
class BlockingSite:
    """The first blocking call a sync function makes directly."""

    callee: str
    code: str
    path: str
    line: int  # 0 until a message needs it: see ``call`` and positions.CallPositions
    call: Tuple[int, int, str] = (-1, 0, "")  # rank among the file's calls, their count, leading name


@dataclass
class FunctionFacts:
    qualname: str
    is_async: bool
    is_generator: bool = False
    decorators: Tuple[str, ...] = ()
    calls: List[str] = field(default_factory=list)  # project-resolvable callees, first-seen order
    blocking: Optional[BlockingSite] = None


@dataclass
class FileFacts:
    module: str
    path: str
    functions: Dict[str, FunctionFacts] = field(default_factory=dict)
    classes: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # class -> resolved bases
    aliases: Dict[str, str] = field(default_factory=dict)  # "mod.local" -> what it was imported as


@dataclass(frozen=True)
class Pending:
    """A finding that exists only if the project index says so (e.g. the callee is async)."""

    code: str
    callee: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    context: str = ""  # the enclosing function, for messages
    fix: Optional[FixInfo] = None
    # Where the call is, before it is located: its rank among the file's calls in source
    # order, how many calls the file has, and the name its text starts with.
    call: Tuple[int, int, str] = (-1, 0, "")
    iterated: bool = False  # a for loop's iterable: a generator's body runs
