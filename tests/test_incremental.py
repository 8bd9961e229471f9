"""After one file changes, only the files whose results depend on it are checked again.

These tests run the runner in-process so they can count what it does: which files it
analyses and how many cached entries it decodes. test_cache.py proves, through the CLI,
that the findings are the same as an uncached run's.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from asynclint.run import analysis_phase, cached_results, check_file, incremental, runner
from asynclint.run.cache import Cache
from asynclint.config import load_settings
from asynclint.project.dependencies import changed_keys, reading_any
from asynclint.run.discovery import discover
from asynclint.project.facts import FileFacts, FunctionFacts
from asynclint.run.options import options_for
from asynclint.run.results import RunResult

from test_cache import FAST, make_project


class Spy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.analysed: List[str] = []
        self.decoded = 0
        analyse, decode = analysis_phase.analyse, cached_results.decode_result

        def counting_analyse(files, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.analysed += [source.display for source in files]
            return analyse(files, *args, **kwargs)

        def counting_decode(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.decoded += 1
            return decode(*args, **kwargs)

        # Each module that analyses files or decodes cached entries, by the name it uses.
        for module in (runner, incremental):
            monkeypatch.setattr(module, "analyse", counting_analyse)
        for module in (cached_results, incremental):
            monkeypatch.setattr(module, "decode_result", counting_decode)

    def reset(self) -> None:
        self.analysed, self.decoded = [], 0


def lint(root: Path, cache: bool = True) -> RunResult:
    settings = load_settings(start=root)
    options = dataclasses.replace(options_for(settings, 1), cache=cache)
    return runner.run(discover(["shop"], settings), settings, options)


def rows(result: RunResult) -> list:
    return [(f.path, f.line, f.column, f.code, f.message) for f in result.findings]


def age(path: Path) -> None:
    """Make a file's stat old enough for the cache to trust it (no racy timestamps)."""
    old = time.time() - 60
    os.utime(path, (old, old))


def rewrite(path: Path, text: str) -> None:
    """An edit the next run must notice, with a stat it can trust."""
    path.write_text(text)
    age(path)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_project(tmp_path)
    for path in tmp_path.rglob("*.py"):
        age(path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_edit_that_keeps_the_index_facts_rechecks_only_that_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    lint(project)
    assert len(spy.analysed) == 26

    spy.reset()
    warm = lint(project)
    assert spy.analysed == [] and spy.decoded == 0

    target = project / "shop" / "handler_7.py"
    rewrite(target, target.read_text() + "# an edit\n")
    spy.reset()
    edited = lint(project)
    assert spy.analysed == [str(Path("shop") / "handler_7.py")]
    # its own entry (to compare facts), the helpers linking reaches, and the files with
    # messages citing another file's line: far fewer than the 26 a full link decodes
    assert spy.decoded < 10
    assert rows(edited) == rows(warm) == rows(lint(project, cache=False))


def test_an_edit_that_changes_a_modules_facts_links_the_files_that_read_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    before = lint(project)
    util = project / "shop" / "util.py"
    rewrite(util, FAST)
    spy.reset()
    after = lint(project)
    assert spy.analysed == [str(Path("shop") / "util.py")]
    assert spy.decoded >= 24  # every handler calls util's helper: all of them are linked again
    assert rows(after) == rows(lint(project, cache=False)) != rows(before)
    assert not any(f.code == "AIO110" for f in after.findings)


def test_new_facts_that_no_other_file_looks_up_link_only_the_edited_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    lint(project)
    # every name the handlers look up (shop.util.indirect_helper, ...) lies in this package
    package = project / "shop" / "__init__.py"
    rewrite(package, "async def unused_elsewhere():\n    return 3\n")
    spy.reset()
    after = lint(project)
    assert spy.analysed == [str(Path("shop") / "__init__.py")]
    assert spy.decoded < 10  # not the 26 entries of a full link
    assert rows(after) == rows(lint(project, cache=False))
    assert rows(lint(project)) == rows(after)  # and the next run, from what this one saved


def test_a_module_that_gains_its_first_function_reaches_the_files_that_looked_for_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extras = project / "shop" / "extras.py"
    extras.write_text("")  # nothing to parse: it adds no facts to the index yet
    handler = project / "shop" / "handler_4.py"
    handler.write_text(handler.read_text().replace(
        "from .util import indirect_helper\n", "from .extras import soon\nfrom .util import indirect_helper\n"
    ).replace("    return request\n", "    soon()\n    return request\n"))
    for path in (extras, handler):
        age(path)
    spy = Spy(monkeypatch)
    before = lint(project)
    assert not any(f.code == "AIO200" for f in before.findings)

    rewrite(extras, "async def soon():\n    pass\n")
    spy.reset()
    after = lint(project)
    assert spy.analysed == [str(Path("shop") / "extras.py")]
    assert [(f.path, f.code) for f in after.findings if f.code == "AIO200"] == [(str(Path("shop") / "handler_4.py"), "AIO200")]
    assert spy.decoded < 10
    assert rows(after) == rows(lint(project, cache=False))


def cache_of(root: Path) -> Cache:
    """The run's cache, to read and rewrite its parts as authentic (signed) files."""
    settings = load_settings(start=root)
    cache = cached_results.open_run_cache(settings, dataclasses.replace(options_for(settings, 1), cache=True))
    assert cache is not None
    return cache


def cache_parts(root: Path) -> Tuple[str, str]:
    linked, entries = cache_of(root).read_parts()
    assert linked is not None and entries is not None, "the last run's cache is authentic"
    return linked.decode(), entries.decode()


def write_cache(root: Path, linked: str, entries: str) -> None:
    cache_of(root).write_parts(linked.encode(), entries.encode())


def test_a_corrupt_entry_met_while_linking_falls_back_to_a_full_run(project: Path) -> None:
    expected = rows(lint(project, cache=False))
    lint(project)
    linked, entries = cache_parts(project)
    lines = entries.splitlines()
    decoder = json.JSONDecoder()
    for i, line in enumerate(lines):
        head, end = decoder.raw_decode(line, 1)
        if head[3] == "shop.util":  # linking the edited handler reaches util's facts
            lines[i] = line[:end] + ",[not json]]"
    write_cache(project, linked, "\n".join(lines) + "\n")
    target = project / "shop" / "handler_2.py"
    rewrite(target, target.read_text() + "# an edit\n")
    assert rows(lint(project)) == expected


@pytest.mark.parametrize(
    "reads", ["[not json", '["shop/handler_1.py",["shop.util"]', '["shop/handler_1.py",[7]]', '[7,["shop.util"]]']
)
def test_a_corrupt_record_of_lookups_falls_back_to_a_full_link(project: Path, monkeypatch: pytest.MonkeyPatch, reads: str) -> None:
    lint(project)
    linked, entries = cache_parts(project)
    write_cache(project, linked.split("\n")[0] + "\n" + reads + "\n", entries)
    util = project / "shop" / "util.py"
    rewrite(util, FAST)
    spy = Spy(monkeypatch)
    after = lint(project)
    assert spy.decoded >= 26  # the record was not trusted: every entry was linked again
    assert rows(after) == rows(lint(project, cache=False))


def test_lines_of_unchanged_files_are_written_back_byte_for_byte(project: Path) -> None:
    lint(project)
    before = cache_parts(project)[1].splitlines()
    target = project / "shop" / "handler_9.py"
    rewrite(target, target.read_text() + "# an edit\n")
    lint(project)
    after = cache_parts(project)[1].splitlines()
    changed = [line for line in after if line not in before]
    assert len(after) == len(before) and len(changed) == 1 and "handler_9.py" in changed[0]


# -- the lazy index answers as the eager one does ----------------------------------------


def _results_of(root: Path) -> list:
    from asynclint.config import Settings
    from asynclint.selection import enabled_codes

    settings = Settings(project_root=root)
    enabled = enabled_codes(["ALL"], (), ())
    files = discover([str(root)], settings)
    return [check_file.check_source(source, settings, enabled) for source in files]


def _link_both_ways(results: list) -> tuple:
    from asynclint.project.index import LazyProjectIndex, ProjectIndex
    from asynclint.project.link import link

    facts = [r.facts for r in results if r.facts is not None]
    by_module: dict = {}
    for place, item in enumerate(facts):
        by_module.setdefault(item.module, []).append((place, item))
    pending = [p for r in results for p in r.pending]
    eager = link(pending, ProjectIndex(facts))
    lazy = link(pending, LazyProjectIndex(lambda module: by_module.get(module, [])))
    return eager, lazy


def test_the_lazy_index_links_the_fixtures_as_the_eager_one_does() -> None:
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    results = _results_of(fixtures)
    eager, lazy = _link_both_ways(results)
    assert eager, "the fixtures hold findings confirmed only by linking"
    assert lazy == eager


def test_the_later_file_wins_a_shared_key_in_both_indexes(tmp_path: Path) -> None:
    """``pkg/__init__.py`` has class ``mod`` with ``run``; ``pkg/mod.py`` has ``run``: both
    define the key ``pkg.mod.run``, and the one later in the run decides."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("class mod:\n    def run(self):\n        return 1\n")
    (pkg / "mod.py").write_text("async def run():\n    return 1\n")
    (tmp_path / "app.py").write_text("from pkg.mod import run\n\n\nasync def main():\n    run()\n")
    results = _results_of(tmp_path)
    for ordered in (results, list(reversed(results))):
        eager, lazy = _link_both_ways(ordered)
        assert lazy == eager


# -- which edits reach which files ------------------------------------------------------


def _facts(functions: dict, aliases: Optional[dict] = None) -> FileFacts:
    return FileFacts("pkg.mod", "pkg/mod.py", {k: FunctionFacts(k, v) for k, v in functions.items()}, {}, aliases or {})


def test_changed_keys_are_the_entries_added_removed_or_changed() -> None:
    before = _facts({"pkg.mod.a": False, "pkg.mod.b": False}, {"pkg.mod.x": "os.path"})
    after = _facts({"pkg.mod.a": False, "pkg.mod.b": True, "pkg.mod.c": False})
    assert changed_keys(before, after) == {"pkg.mod.b", "pkg.mod.c", "pkg.mod.x"}
    assert changed_keys(None, after) == {"pkg.mod.a", "pkg.mod.b", "pkg.mod.c"}
    assert changed_keys(after, after) == set()


def test_a_lookup_depends_on_the_entry_and_on_every_prefix_of_it() -> None:
    reads = {"one.py": ["pkg.mod.Class.method"], "two.py": ["pkg.other.f"], "three.py": []}
    assert reading_any(reads, {"pkg.mod.Class.method"}) == {"one.py"}
    assert reading_any(reads, {"pkg.mod"}) == {"one.py"}  # an alias the name is rewritten through
    assert reading_any(reads, {"pkg"}) == {"one.py", "two.py"}
    assert reading_any(reads, {"pkg.mod.Class.method.inner", "pkg.mo"}) == set()
