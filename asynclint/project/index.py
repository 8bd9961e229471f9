"""The project index: every checked file's facts, linked by qualified name.

Linking is cheap dictionary work done once per run after all files are walked, so a file
that changes only changes its own facts; nothing is re-parsed to answer "is this callee a
coroutine function" or "does this helper block".
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple

from asynclint.project.facts import SUPER, BlockingSite, FileFacts, FunctionFacts

if TYPE_CHECKING:
    from asynclint.project.positions import CallPositions

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


class Chain(NamedTuple):
    """How a sync function blocks: the functions called down to the blocking call, and where it is."""

    names: Tuple[str, ...]  # the function asked about first, the blocking callee last
    site: BlockingSite


class _Remembered(NamedTuple):
    """An answer kept for the next question, with the names its search looked up."""

    answer: Any
    reads: FrozenSet[str]


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
        # Remembered answers, each with the names its search looked up (see ``recording``).
        self._chains: Dict[str, _Remembered] = {}  # answers: Optional[Chain]
        self._resolved: Dict[str, _Remembered] = {}  # answers: Optional[FunctionFacts]
        self._reads: List[Set[str]] = []  # the names looked up by each question under way

    @contextmanager
    def recording(self) -> Iterator[Set[str]]:
        """Collects every name whose entry the answers given inside the block depended on.

        An answer about a name rests on the entries for that name and its dotted prefixes
        (aliases it may be rewritten through), so a file's findings stand until one of those
        entries changes; then the file is linked again. A remembered answer brings along
        the names its first search read.
        """
        reads: Set[str] = set()
        self._reads.append(reads)
        try:
            yield reads
        finally:
            self._reads.pop()
            if self._reads:
                self._reads[-1] |= reads

    def _touch(self, name: str) -> None:
        """Every table lookup passes here first."""
        if self._reads:
            self._reads[-1].add(name)

    def _remembered(self, reads: FrozenSet[str]) -> None:
        if self._reads:
            self._reads[-1] |= reads

    def site_line(self, site: BlockingSite) -> int:
        """The line of a blocking call, located the first time a message cites it."""
        if site.line == 0 and self.positions is not None:
            span = self.positions.call(site.path, *site.call)
            site.line = span[0] if span is not None else 1
        return site.line or 1

    # -- the three tables; a lazy index loads the modules a name may live in first --------

    def _function_named(self, name: str) -> Optional[FunctionFacts]:
        self._touch(name)
        return self.functions.get(name)

    def _alias_of(self, name: str) -> Optional[str]:
        self._touch(name)
        return self.aliases.get(name)

    def _bases_of(self, cls: str) -> Optional[Tuple[str, ...]]:
        self._touch(cls)
        return self.classes.get(cls)

    # -- names -----------------------------------------------------------------------------

    def function(self, name: str) -> Optional[FunctionFacts]:
        """The project function a qualified name refers to, through imports and bases.

        Remembered per name: linking asks about the same few helpers from many files.
        """
        try:
            found, reads = self._resolved[name]
        except KeyError:
            with self.recording() as searched:
                found = self._function(name)
            self._resolved[name] = _Remembered(found, frozenset(searched))
            return found
        self._remembered(reads)
        return found

    def _function(self, name: str) -> Optional[FunctionFacts]:
        seen: Set[str] = set()
        for _ in range(_MAX_ALIAS_HOPS):
            if name in seen:
                return None
            seen.add(name)
            found = self._function_named(name)
            if found is not None:
                return found
            rewritten = self._rewrite(name)
            if rewritten is None:
                return None
            name = rewritten
        return None

    def _rewrite(self, name: str) -> Optional[str]:
        """One step: follow an import alias of the longest prefix, or look in base classes."""
        self._touch(name)  # answers for every prefix of the name, as the lookups below need
        parts = name.split(".")
        aliases = self.aliases
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            target = aliases.get(prefix)
            if target is not None and target != prefix:
                return ".".join([target] + parts[cut:])
        owner, _, attr = name.rpartition(".")
        if owner.endswith(SUPER):  # super().attr: the bases only, never the class itself
            return self._from_bases(self._class_name(owner[: -len(SUPER)]), attr, set())
        if self._bases_of(owner) is not None:
            return self._from_bases(owner, attr, set())
        return None

    def _from_bases(self, cls: str, attr: str, seen: Set[str]) -> Optional[str]:
        for base in self._bases_of(cls) or ():
            if base in seen:
                continue
            seen.add(base)
            base = self._class_name(base)
            candidate = f"{base}.{attr}"
            if self._function_named(candidate) is not None:
                return candidate
            deeper = self._from_bases(base, attr, seen)
            if deeper is not None:
                return deeper
        return None

    def _class_name(self, name: str) -> str:
        for _ in range(_MAX_ALIAS_HOPS):
            if self._bases_of(name) is not None:
                return name
            target = self._alias_of(name)
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
            chain, reads = self._chains[key]
            self._remembered(reads)
            return chain, False
        if key in stack:
            return None, True
        with self.recording() as searched:
            self._touch(key)  # the function's own facts: its blocking call and its calls
            result, cyclic = self._search_calls(func, stack)
        if result is not None or not cyclic:
            self._chains[key] = _Remembered(result, frozenset(searched))
        return result, cyclic and result is None

    def _search_calls(self, func: FunctionFacts, stack: Set[str]) -> Tuple[Optional[Chain], bool]:
        key = func.qualname
        stack.add(key)
        result: Optional[Chain] = None
        cyclic = False
        if _memoized(func):
            result = None  # blocks once, on the first call, then answers from memory
        elif func.blocking is not None:
            result = Chain((func.qualname, func.blocking.callee), func.blocking)
        else:
            for callee in func.calls:
                target = self.function(callee)
                if target is None or target.is_async or target.is_generator:
                    continue
                below, hit_cycle = self._search(target, stack)
                cyclic = cyclic or hit_cycle
                if below is not None:
                    result = Chain((func.qualname,) + below.names, below.site)
                    break
        stack.discard(key)
        return result, cyclic


# Module name -> the facts of the files with that name, each with its place in the run.
FactsLoader = Callable[[str], Sequence[Tuple[int, FileFacts]]]


class LazyProjectIndex(ProjectIndex):
    """The index of a project whose facts sit in the cache, decoded only where a question leads.

    Every key a file contributes (function, class, alias) starts with that file's module
    name, so a name can only be answered by the modules named by its dotted prefixes. Linking
    one edited file then decodes the handful of modules it reaches, not every file's facts.
    Where two files contribute the same key, the later one in the run wins, as it does in
    the eager index, whatever order the modules happen to be loaded in.
    """

    def __init__(self, load: FactsLoader, positions: Optional["CallPositions"] = None) -> None:
        super().__init__((), positions)
        self._load = load
        self._loaded: Set[str] = set()
        self._place: Dict[Tuple[int, str], int] = {}  # (table, key) -> place of the file that set it

    def _ensure(self, name: str) -> None:
        if name in self._loaded:  # and so, loaded shortest first, is every prefix of it
            return
        parts = name.split(".")
        for cut in range(1, len(parts) + 1):
            module = ".".join(parts[:cut])
            if module not in self._loaded:
                self._loaded.add(module)
                for place, facts in self._load(module):
                    self._merge(0, self.functions, facts.functions, place)
                    self._merge(1, self.classes, facts.classes, place)
                    self._merge(2, self.aliases, facts.aliases, place)

    def _merge(self, table: int, into: dict, items: dict, place: int) -> None:
        for key, value in items.items():
            if self._place.get((table, key), -1) <= place:
                into[key] = value
                self._place[(table, key)] = place

    def _touch(self, name: str) -> None:
        super()._touch(name)
        self._ensure(name)
