"""One file from bytes to findings: decode, parse once, walk once, locate, filter noqa.

Everything here works on one file and returns plain data, so it runs the same in a worker
process, from the cache's point of view, and inside the flake8 plugin.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

import libcst as cst

from asynclint.engine import deep

from asynclint.engine import libcst_gaps
from asynclint.checks.registry import checks_for
from asynclint.engine.contract import Deferred, Report
from asynclint.engine.fact_collection import FactCollector
from asynclint.engine.complexity import TooComplex, check as check_complexity
from asynclint.engine.walker import Context, Walker
from asynclint.project.facts import BlockingSite, FileFacts, Pending
from asynclint.findings import FixInfo, Finding
from asynclint.project.index import ProjectIndex
from asynclint.project.link import confirmation
from asynclint.engine.locate import leading_name, locate_nodes
from asynclint.engine.resolver import Resolver
from asynclint.engine.noqa import noqa_codes, suppressed
from asynclint.source import file_problem
from asynclint.settings import Settings


@dataclass
class Analysis:
    """One file's results. ``module`` and ``reports`` keep the tree alive for the fixer;
    ``findings``, ``pending`` and ``facts`` are plain data for workers and the cache."""

    module: Optional[cst.Module]
    reports: List[Report] = field(default_factory=list)  # not silenced by noqa
    findings: List[Finding] = field(default_factory=list)
    pending: List[Pending] = field(default_factory=list)
    facts: Optional[FileFacts] = None


def parse(text: str) -> cst.Module:
    check_complexity(text)  # raises TooComplex for what would crash or swamp LibCST
    return cst.parse_module(text)


def analyze(
    text: str,
    display: str,
    module_name: str,
    is_package: bool,
    settings: Settings,
    enabled: FrozenSet[str],
    index: Optional[ProjectIndex] = None,
    module: Optional[cst.Module] = None,
) -> Analysis:
    """Parse ``text`` (unless its tree is given as ``module``) and run every enabled check
    over it in one walk.

    With ``index`` (fix mode), findings that depend on the project index are confirmed
    now and kept as reports with their nodes, so their fixes can be applied. A tree too deep
    for the default recursion limit (a long chain) is walked again with room to recurse.
    """
    if module is None:
        try:
            module = parse(text)
        except cst.ParserSyntaxError as error:
            module, problem = _unparsed(text, display, error)
            if module is None:
                return Analysis(None, findings=[problem])
        except TooComplex as error:
            return Analysis(None, findings=[file_problem(display, error.code, error.message, error.line, error.column)])
        except RecursionError:
            return Analysis(None, findings=[file_problem(display, "AIO001", "syntax error: too deeply nested to parse")])
        except MemoryError:
            raise  # the worker reports the file as too complex to analyse
        except Exception as error:  # the parser itself failed: not the user's fault, but not fatal
            return Analysis(None, findings=[file_problem(display, "AIO003", f"internal error in the parser: {type(error).__name__}: {error}")])
    try:
        return deep.retried(_checked, module, text, _File(display, module_name, is_package, settings, enabled, index))
    except RecursionError:
        return Analysis(module, findings=[file_problem(display, "AIO003", "internal error: code nested too deeply to analyse")])


class _File(NamedTuple):
    display: str
    module_name: str
    is_package: bool
    settings: Settings
    enabled: FrozenSet[str]
    index: Optional[ProjectIndex]


def _checked(module: cst.Module, text: str, file: _File) -> Analysis:
    """The checks' results for a parsed file. A RecursionError propagates, for a deep retry."""
    display, module_name, is_package, settings, enabled, index = file
    ctx = Context(module, module_name, Resolver(module_name, is_package), settings, set(enabled))
    walker = Walker([FactCollector(settings), *checks_for(set(enabled), settings)], ctx)
    try:
        walker.walk(module)
    except (RecursionError, MemoryError):
        raise  # a deep retry, or the worker's "ran out of memory"
    except Exception as error:  # an engine bug: this file gets one finding, the run goes on
        return Analysis(module, findings=[file_problem(display, "AIO003", f"internal error in the engine: {type(error).__name__}: {error}")])

    reports = list(ctx.reports)
    for error in walker.errors:
        reports.append(Report(error.node, "AIO003", f"internal error in check {error.check}: {type(error.error).__name__}: {error.error}"))
    ctx.facts.path = display
    deferred = ctx.deferred
    if index is not None:
        reports += link_reports(deferred, index)
        deferred = []
    analysis = Analysis(module, reports, facts=ctx.facts)
    calls = _CallRanks(ctx.seen["call"])
    unranked = [d.node for d in deferred if calls.of(d.node) is None]
    unranked += [site.node for site in ctx.sites.blocking if calls.of(site.node) is None]
    nodes = [r.node for r in reports] + unranked
    ranges = _locate_guarded(module, text, nodes, ctx.seen) if nodes else {}
    lines = _Lines(text)
    analysis.reports = [r for r in reports if r.code == "AIO003" or not lines.suppressed(_start(ranges, r.node), r.code)]
    analysis.findings = to_findings(ranges, display, analysis.reports)
    analysis.pending = to_pending(ranges, calls, lines, display, deferred)
    for site in ctx.sites.blocking:
        where = calls.of(site.node)
        if where is None:
            site.function.blocking = BlockingSite(site.callee, site.code, display, _start(ranges, site.node))
        else:
            site.function.blocking = BlockingSite(site.callee, site.code, display, 0, where)
    return analysis


def _locate_guarded(module: cst.Module, text: str, nodes: list, seen: dict) -> dict:
    """Positions; in a deep run, none (findings then point at line 1) if code generation
    still runs too deep, as it can on CPython 3.12+, whose C recursion limit is fixed."""
    try:
        return locate_nodes(module, text, nodes, seen)
    except RecursionError:
        if not deep.active():
            raise
        return {}


class _CallRanks:
    """Each call's rank in source order, computed only if something needs one."""

    def __init__(self, calls: List[cst.CSTNode]) -> None:
        self.calls = calls
        self.ranks: Optional[dict] = None

    def of(self, node: cst.CSTNode) -> Optional[Tuple[int, int, str]]:
        if self.ranks is None:
            self.ranks = {id(call): i for i, call in enumerate(self.calls)}
        rank = self.ranks.get(id(node))
        if rank is None:
            return None
        return (rank, len(self.calls), leading_name(node) or "")


_AT = re.compile(r"error at (\d+):(\d+): ")


def _unparsed(text: str, display: str, error: cst.ParserSyntaxError) -> Tuple[Optional[cst.Module], Optional[Finding]]:
    """LibCST refused the file. AIO001 is for code CPython refuses too; valid code LibCST
    cannot parse gets the exact workaround if there is one (a tree), else an AIO002."""
    try:
        tree = deep.retried(libcst_gaps.python_tree_or_error, text)
    except RecursionError:
        tree = None
    if isinstance(tree, ast.Module):
        module = libcst_gaps.repaired(text, tree)
        if module is not None:
            return module, None
        known = libcst_gaps.explain(text, tree)
        reason, line, _ = _syntax_error(error, None) if known is None else (known[1], known[0], 1)
        message = f"cannot analyse: LibCST {libcst_gaps.libcst_version()} cannot parse valid code at line {line}: {reason}"
        return None, file_problem(display, "AIO002", message, line)
    message, line, column = _syntax_error(error, tree)
    return None, file_problem(display, "AIO001", f"syntax error: {message}", line, column)


def _syntax_error(error: cst.ParserSyntaxError, python: Optional[SyntaxError]) -> Tuple[str, int, int]:
    """Message, line and 1-based column of a syntax error, as Python itself would put them.

    LibCST's recorded position often points past the error (the next token it could not
    use); CPython's parser (``python``, when it could parse at all) names the offending
    token and a clearer reason.
    """
    detail = error.message.strip().splitlines()[0] if error.message.strip() else "invalid syntax"
    found = _AT.search(detail)
    if found:
        ours = (detail[found.end():], max(int(found.group(1)), 1), int(found.group(2)) + 1)
    else:
        ours = (detail, max(error.raw_line, 1), error.raw_column + 1)
    # An error well before LibCST's is this interpreter not knowing newer syntax.
    if python is not None and python.lineno and python.lineno >= ours[1] - 1:
        return (python.msg or "invalid syntax", python.lineno, max(python.offset or 1, 1))
    return ours


class _Lines:
    """The file's lines, split only if a finding needs its noqa comment checked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: Optional[List[str]] = None

    def suppressed(self, line: int, code: str) -> bool:
        if self.lines is None:
            self.lines = self.text.splitlines()
        line_text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return suppressed(code, noqa_codes(line_text))


def _start(ranges: dict, node: cst.CSTNode) -> int:
    return ranges.get(id(node), (1, 0, 1, 0))[0]


def to_findings(ranges: dict, display: str, reports: Sequence[Report]) -> List[Finding]:
    out: List[Finding] = []
    for report in reports:
        start_line, start_col, end_line, end_col = ranges.get(id(report.node), (1, 0, 1, 0))
        fix = None if report.fix is None else FixInfo(report.fix.applicability, report.fix.message)
        out.append(Finding(display, start_line, start_col + 1, end_line, end_col + 1, report.code, report.message, fix))
    out.sort(key=Finding.sort_key)
    return out


def to_pending(ranges: dict, calls: _CallRanks, lines: _Lines, display: str, deferred: Sequence[Deferred]) -> List[Pending]:
    """Deferred findings as plain data. Calls keep only their rank: most are never confirmed,
    so they are located when linking confirms them (and their noqa is checked then)."""
    out: List[Pending] = []
    for item in deferred:
        fix = None if item.fix is None else FixInfo(item.fix.applicability, item.fix.message)
        where = calls.of(item.node)
        if where is not None:
            out.append(Pending(item.code, item.callee, display, 0, 0, 0, 0, item.context, fix, where, item.iterated))
            continue
        start_line, start_col, end_line, end_col = ranges.get(id(item.node), (1, 0, 1, 0))
        if lines.suppressed(start_line, item.code):
            continue
        out.append(Pending(item.code, item.callee, display, start_line, start_col + 1, end_line, end_col + 1, item.context, fix,
                           iterated=item.iterated))
    return out


def link_reports(deferred: Sequence[Deferred], index: ProjectIndex) -> List[Report]:
    """Deferred findings the index confirms, as reports that still hold their nodes."""
    out: List[Report] = []
    for item in deferred:
        probe = Pending(item.code, item.callee, "", 0, 0, 0, 0, item.context, iterated=item.iterated)
        message = confirmation(item.code)(probe, index)
        if message is not None:
            out.append(Report(item.node, item.code, message, item.fix))
    return out
