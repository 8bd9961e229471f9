"""Issue 20's walker items: one model of where the walk is, named records, module sizes, and
which yield points count for the function a generator expression is written in.

These run the real walker and resolver over real source (the fixtures in fixtures/ cover
what the command reports); a check here is a small recorder with the hooks checks use.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import libcst as cst

from asynclint.engine.contract import Check
from asynclint.engine.fact_collection import FactCollector
from asynclint.engine.libcst_gaps import long_runs, python_tree
from asynclint.engine.locate import locate_nodes
from asynclint.engine.resolver import Resolver
from asynclint.engine.walker import Context, Walker
from asynclint.settings import Settings

PACKAGE = Path(__file__).resolve().parent.parent / "asynclint"


def walk(source: str, *checks: Check) -> Context:
    module = cst.parse_module(textwrap.dedent(source))
    ctx = Context(module, "pkg.mod", Resolver("pkg.mod", False), None, set())
    Walker(list(checks), ctx).walk(module)
    return ctx


class _Places(Check):
    """Records, at each call, the chain of places from the innermost outwards."""

    codes = ()

    def __init__(self) -> None:
        super().__init__(None)
        self.at: Dict[str, List[Tuple[str, str, object]]] = {}
        self.frames: Dict[str, str] = {}
        self.self_type: Dict[str, object] = {}

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        name = cst.helpers.get_full_name_for_node(node.func) or "?"
        chain = []
        place = ctx.place
        while place is not None:
            chain.append((place.kind, place.qualname, place.class_qualname))
            place = place.parent
        self.at[name] = chain
        self.frames[name] = ctx.frame.qualname
        self.self_type[name] = ctx.value(cst.Name("self"))


SOURCE = """
class Outer:
    class Inner:
        def method(self):
            probe_method()
            f = lambda: probe_lambda()

    probe_class_body()

def function():
    class Local:
        probe_local_class()
    probe_function()
"""


def test_one_place_chain_for_modules_classes_functions_and_lambdas() -> None:
    places = _Places()
    ctx = walk(SOURCE, places)
    assert places.at["probe_method"] == [
        ("function", "pkg.mod.Outer.Inner.method", "pkg.mod.Outer.Inner"),
        ("class", "pkg.mod.Outer.Inner", None),
        ("class", "pkg.mod.Outer", None),
        ("module", "pkg.mod", None),
    ]
    assert places.at["probe_lambda"][:2] == [
        ("function", "pkg.mod.Outer.Inner.method.<lambda>", None),
        ("function", "pkg.mod.Outer.Inner.method", "pkg.mod.Outer.Inner"),
    ]
    assert places.at["probe_local_class"][:2] == [
        ("class", "pkg.mod.function.<locals>.Local", None),
        ("function", "pkg.mod.function", None),
    ]
    # ``frame`` is the innermost place that runs code of its own: a class body is not one.
    assert places.frames["probe_class_body"] == "pkg.mod"
    assert places.frames["probe_local_class"] == "pkg.mod.function"
    # Names resolve in the place's own scope: ``self`` is the method's class, and only there.
    assert places.self_type["probe_method"] == "pkg.mod.Outer.Inner"
    assert places.self_type["probe_function"] == "builtins.self"
    # The walk ends where it began, with no parallel stack of class names left to pop.
    assert ctx.place is ctx.frame is ctx.resolver.module_place
    assert not hasattr(ctx, "classes") and not hasattr(ctx.resolver, "push")


def test_a_class_s_bases_resolve_outside_its_body() -> None:
    """The facts fact collection records: bases resolved in the function, not the class body."""
    ctx = walk(
        """
        import base
        def build():
            class Base:
                pass
            class Child(Base, base.Thing):
                Base = 1
        """,
        FactCollector(Settings()),
    )
    assert ctx.facts.classes["pkg.mod.build.<locals>.Child"] == ("pkg.mod.build.<locals>.Base", "base.Thing")


# -- named records ---------------------------------------------------------------------------


class _Watch(Check):
    codes = ()

    def __init__(self) -> None:
        super().__init__(None)
        self.fired: List[str] = []
        self.pending: List[object] = []

    def leave_Assign(self, node: cst.Assign, ctx: Context) -> None:
        target = node.targets[0].target
        if isinstance(target, cst.Name):
            ctx.watch_unused(target, lambda: self.fired.append(target.value))
            self.pending.extend(ctx.watched[target.value])


def test_records_are_named() -> None:
    watch = _Watch()
    text = "def f():\n    kept = g()\n    return kept\n\ndef h():\n    lost = g()\n"
    ctx = walk(text, watch)
    first = watch.pending[0]
    assert (first.frame.qualname, first.target.value) == ("pkg.mod.f", "kept")  # type: ignore[attr-defined]
    assert watch.fired == ["lost"]

    calls = ctx.seen["call"]
    ranges = locate_nodes(ctx.module, text, calls, ctx.seen)
    second = ranges[id(calls[1])]
    assert (second.line, second.column, second.end_line, second.end_column) == (6, 11, 6, 14)

    many = "x = (\n" + "".join(f"    'a{i}'\n" for i in range(3001)) + ")\n"
    tree = python_tree(many)
    assert tree is not None
    run = long_runs(many, tree)[0]
    assert run.line == 2 and len(run.spans) == 3001
    assert many[run.spans[0].start:run.spans[0].end] == "'a0'"


# -- module sizes ----------------------------------------------------------------------------


def test_no_engine_module_is_over_400_lines() -> None:
    """The engine's modules (the rest of the package is split by the other parts of issue 20)."""
    engine = PACKAGE / "engine"
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in engine.glob("*.py")}
    assert {path: lines for path, lines in sizes.items() if lines > 400} == {}


# -- yield points of generator expressions -----------------------------------------------------


class _Yields(Check):
    """The yield count of each function as it ends."""

    codes = ()

    def __init__(self) -> None:
        super().__init__(None)
        self.yields: Dict[str, int] = {}

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        self.yields[node.name.value] = ctx.frame.yields


def test_only_awaits_that_run_in_the_function_are_its_yield_points() -> None:
    yields = _Yields()
    walk(
        """
        async def lazy(jobs):
            return (await job for job in jobs)

        async def lazy_async_for(stream):
            return (item async for item in stream)

        async def nested_in_lazy(groups):
            return ([await job for job in group] for group in groups)

        async def first_iterable(source):
            return (job for job in await source())

        async def list_comprehension(jobs):
            return [await job for job in jobs]

        async def async_comprehension(stream):
            return {item async for item in stream}

        async def generator_in_comprehension(groups, source):
            return [(await job for job in group) for group in await source()]

        async def after_a_generator(jobs, source):
            pending = (await job for job in jobs)
            await source()
        """,
        yields,
    )
    assert yields.yields == {
        "lazy": 0,
        "lazy_async_for": 0,
        "nested_in_lazy": 0,
        "first_iterable": 1,
        "list_comprehension": 1,
        "async_comprehension": 1,
        "generator_in_comprehension": 1,
        "after_a_generator": 1,
    }
