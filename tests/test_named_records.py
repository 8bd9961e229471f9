"""The records the engine, the checks and the project index pass around are named types,
so a reader sees ``site.callee`` rather than ``site[2]``."""
from __future__ import annotations

from pathlib import Path

import libcst as cst

from asynclint.config import Settings
from asynclint.engine.blocking_lookup import blocking_entry
from asynclint.engine.fact_collection import FactCollector
from asynclint.engine.resolver import Resolver
from asynclint.engine.walker import Context, Walker
from asynclint.project.index import ProjectIndex
from asynclint.run.check_file import analyze_text

SOURCE = "import time\n\n\ndef inner():\n    time.sleep(1)\n\n\ndef outer():\n    inner()\n"


def _walked(text: str) -> Context:
    module = cst.parse_module(text)
    ctx = Context(module, "mod", Resolver("mod", False), Settings(), set())
    Walker([FactCollector(Settings())], ctx).walk(module)
    return ctx


def test_blocking_lookup_names_its_parts() -> None:
    call = cst.parse_expression("time.sleep(1)")
    assert isinstance(call, cst.Call)
    found = blocking_entry(call, "time.sleep", {})
    assert found is not None
    assert (found.callee, found.code, found.fix) == ("time.sleep", "AIO100", "sleep")
    method = cst.parse_expression("loop.run_until_complete(main())")
    assert isinstance(method, cst.Call)
    found = blocking_entry(method, None, {})
    assert found is not None and (found.callee, found.code) == ("loop.run_until_complete", "AIO108")


def test_call_sites_name_the_function_and_the_callee() -> None:
    ctx = _walked(SOURCE)
    [site] = ctx.sites.blocking
    assert (site.function.qualname, site.callee, site.code) == ("mod.inner", "time.sleep", "AIO100")
    assert isinstance(site.node, cst.Call)
    assert ctx.sites.project_call is not None and ctx.sites.project_call.callee == "mod.inner"


def test_blocking_chain_names_the_path_and_the_site(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    facts = analyze_text(SOURCE, "mod.py", path, Settings(), frozenset()).facts
    assert facts is not None
    chain = ProjectIndex([facts]).blocking_chain("mod.outer")
    assert chain is not None
    assert chain.names == ("mod.outer", "mod.inner", "time.sleep")
    assert (chain.site.path, chain.site.code) == ("mod.py", "AIO100")
