"""The project index: every checked file's facts, linked by qualified name.

Linking is cheap dictionary work done once per run after all files are walked, so a file
that changes only changes its own facts; nothing is re-parsed to answer "is this callee a
coroutine function" or "does this helper block".
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, Optional, Set, Tuple

from asynclint.facts import BlockingSite, FileFacts, FunctionFacts

if TYPE_CHECKING:
    from asynclint.positions import CallPositions

# Decorators that hand back the function they wrap unchanged in kind (an async def stays a
# coroutine function). Any other decorator may turn it into something else.
TRANSPARENT_DECORATORS: FrozenSet[str] = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "typing.final",
        "functools.wraps",
    }
)

_MAX_ALIAS_HOPS = 20

Chain = Tuple[Tuple[str, ...], BlockingSite]


# Decorators after which a function's body runs once per distinct argument, not per call.
_MEMOIZING = frozenset({"functools.cache", "functools.lru_cache", "functools.cached_property"})


def _memoized(func: FunctionFacts) -> bool:
    return any(d in _MEMOIZING for d in func.decorators)


class ProjectIndex:
    def __init__(self, files: Iterable[FileFacts], positions: Optional["CallPositions"] = None) -> None:
        # Locates confirmed findings and the blocking calls their messages cite.
        self.positions = positions
        self.functions: Dict[str, FunctionFacts] = {}
        self.classes: Dict[str, Tuple[str, ...]] = {}
        self.aliases: Dict[str, str] = {}
        for facts in files:
            self.functions.update(facts.functions)
            self.classes.update(facts.classes)
            self.aliases.update(facts.aliases)
        self._chains: Dict[str, Optional[Chain]] = {}

    def site_line(self, site: BlockingSite) -> int:
        """The line of a blocking call, located the first time a message cites it."""
        if site.line == 0 and self.positions is not None:
            span = self.positions.call(site.path, *site.call)
            site.line = span[0] if span is not None else 1
        return site.line or 1

    # -- names -----------------------------------------------------------------------------

    def function(self, name: str) -> Optional[FunctionFacts]:
        """The project function a qualified name refers to, through imports and bases."""
        seen: Set[str] = set()
        for _ in range(_MAX_ALIAS_HOPS):
            if name in seen:
                return None
            seen.add(name)
            found = self.functions.get(name)
            if found is not None:
                return found
            rewritten = self._rewrite(name)
            if rewritten is None:
                return None
            name = rewritten
        return None

    def _rewrite(self, name: str) -> Optional[str]:
        """One step: follow an import alias of the longest prefix, or look in base classes."""
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            target = self.aliases.get(prefix)
            if target is not None and target != prefix:
                return ".".join([target] + parts[cut:])
        owner, _, attr = name.rpartition(".")
        if owner in self.classes:
            return self._from_bases(owner, attr, set())
        return None

    def _from_bases(self, cls: str, attr: str, seen: Set[str]) -> Optional[str]:
        for base in self.classes.get(cls, ()):
            if base in seen:
                continue
            seen.add(base)
            base = self._class_name(base)
            candidate = f"{base}.{attr}"
            if candidate in self.functions:
                return candidate
            deeper = self._from_bases(base, attr, seen)
            if deeper is not None:
                return deeper
        return None

    def _class_name(self, name: str) -> str:
        for _ in range(_MAX_ALIAS_HOPS):
            if name in self.classes:
                return name
            target = self.aliases.get(name)
            if target is None or target == name:
                return name
            name = target
        return name

    # -- questions the rules ask ----------------------------------------------------------

    def is_coroutine_function(self, name: str) -> bool:
        func = self.function(name)
        return (
            func is not None
            and func.is_async
            and not func.is_generator
            and all(d in TRANSPARENT_DECORATORS for d in func.decorators)
        )

    def blocking_chain(self, name: str, iterated: bool = False) -> Optional[Chain]:
        """For a sync project function that blocks, directly or through others: the path.

        Calling a generator function runs none of its body; iterating over the call does.
        """
        func = self.function(name)
        if func is None or func.is_async or (func.is_generator and not iterated):
            return None
        return self._chain(func)

    def _chain(self, func: FunctionFacts) -> Optional[Chain]:
        return self._search(func, set())[0]

    def _search(self, func: FunctionFacts, stack: Set[str]) -> Tuple[Optional[Chain], bool]:
        """Depth-first search; the flag says a "no" depended on a function still on the stack.

        Such a "no" is not remembered: asked again from elsewhere it may be a "yes".
        """
        key = func.qualname
        if key in self._chains:
            return self._chains[key], False
        if key in stack:
            return None, True
        stack.add(key)
        result: Optional[Chain] = None
        cyclic = False
        if _memoized(func):
            result = None  # blocks once, on the first call, then answers from memory
        elif func.blocking is not None:
            result = ((func.qualname, func.blocking.callee), func.blocking)
        else:
            for callee in func.calls:
                target = self.function(callee)
                if target is None or target.is_async or target.is_generator:
                    continue
                below, hit_cycle = self._search(target, stack)
                cyclic = cyclic or hit_cycle
                if below is not None:
                    result = ((func.qualname,) + below[0], below[1])
                    break
        stack.discard(key)
        if result is not None or not cyclic:
            self._chains[key] = result
        return result, cyclic and result is None
