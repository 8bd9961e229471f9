"""Where the walk is: one model for "which module, class, function or lambda am I in".

Every module, class, function and lambda the walk enters is a ``Place``, linked to the
place it is written in. A place owns its ``Scope`` (what its names are bound to), so name
resolution walks the same chain the checks ask about; there is no second stack to keep in
step. Comprehensions are not places: their names are not tracked separately (as before).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Set

MODULE = "module"
CLASS = "class"
FUNCTION = "function"  # a ``def`` or a lambda


class Scope:
    """The names one place binds, and what each refers to (a qualified name, or None)."""

    __slots__ = ("names", "globals", "memo")

    def __init__(self, memo: Dict[int, Optional[str]]) -> None:
        self.names: Dict[str, Optional[str]] = {}
        self.globals: Set[str] = set()  # declared ``global`` or ``nonlocal``: not local names
        # The resolver's answers since the last binding, shared by a module's scopes: any
        # binding may change what an expression anywhere in the module resolves to.
        self.memo = memo

    def bind(self, name: str, value: Optional[str]) -> None:
        if name in self.globals:
            return
        self.names[name] = value
        self.memo.clear()


class Place:
    """A module, class, function or lambda, with what checks and the resolver ask about it.

    ``yields`` and ``has_yield`` are counted for functions, lambdas and the module (class
    bodies cannot await or yield); ``class_qualname`` is set for a method defined directly
    in a class body, whose first parameter is then the instance or the class.
    """

    __slots__ = ("node", "kind", "qualname", "parent", "scope", "class_qualname", "is_async", "yields", "has_yield")

    def __init__(
        self,
        node: Any,
        kind: str,
        qualname: str,
        parent: Optional["Place"],
        is_async: bool = False,
        class_qualname: Optional[str] = None,
    ) -> None:
        self.node = node
        self.kind = kind
        self.qualname = qualname
        self.parent = parent
        self.scope = Scope(parent.scope.memo if parent is not None else {})
        self.class_qualname = class_qualname
        self.is_async = is_async
        self.yields = 0  # await / async for / async with / async comprehensions passed so far
        self.has_yield = False  # a generator (yield inside its own body)

    def qualname_of(self, name: str) -> str:
        """The qualified name of a def or class called ``name`` written directly in this place."""
        if self.kind == FUNCTION:
            return f"{self.qualname}.<locals>.{name}"
        return f"{self.qualname}.{name}"

    def enclosing(self, kind: str) -> Optional["Place"]:
        """The nearest place of ``kind`` this one is in (itself included)."""
        place: Optional[Place] = self
        while place is not None and place.kind != kind:
            place = place.parent
        return place
