"""One file from bytes to findings: decode, parse once, walk once, locate, filter noqa.

Everything here works on one file and returns plain data, so it runs the same in a worker
process, from the cache's point of view, and inside the flake8 plugin.
"""
from __future__ import annotations

import codecs
import io
import sys
import tokenize
from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst

from asynclint.checks import LINKERS, checks_for
from asynclint.checks.base import Deferred, Report
from asynclint.engine import Context, InternalError, Walker
from asynclint.facts import BlockingSite, FileFacts, Pending
from asynclint.findings import FixInfo, Finding
from asynclint.index import ProjectIndex
from asynclint.locate import locate
from asynclint.names import Resolver
from asynclint.noqa import noqa_codes, suppressed

# Deeply nested expressions recurse in the walker; give it room, and report what still
# does not fit as one finding rather than a traceback.
_RECURSION_LIMIT = 10_000


class DecodeProblem(Exception):
    """The file's bytes are not text in the encoding it declares."""


@dataclass
class SourceText:
    text: str
    encoding: str = "utf-8"
    bom: bool = False


def decode(data: bytes) -> SourceText:
    """Decode as Python does: a BOM or coding cookie decides, UTF-8 otherwise."""
    try:
        encoding, _lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise DecodeProblem(str(error).splitlines()[0]) from None
    bom = encoding == "utf-8-sig"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeProblem(f"cannot decode as {encoding}: {error}") from None
    if bom and text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text, "utf-8" if bom else codecs.lookup(encoding).name, bom)


@dataclass
class Analysis:
    """One file's results. ``module`` and ``reports`` keep the tree alive for the fixer;
    ``findings``, ``pending`` and ``facts`` are plain data for workers and the cache."""

    module: Optional[cst.Module]
    reports: List[Report] = field(default_factory=list)  # not silenced by noqa
    findings: List[Finding] = field(default_factory=list)
    pending: List[Pending] = field(default_factory=list)
    facts: Optional[FileFacts] = None


def file_problem(display: str, code: str, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(display, line, column, line, column, code, message)


def parse(text: str) -> cst.Module:
    return cst.parse_module(text)


def analyze(
    text: str,
    display: str,
    module_name: str,
    is_package: bool,
    settings: object,
    enabled: FrozenSet[str],
    index: Optional[ProjectIndex] = None,
) -> Analysis:
    """Parse ``text`` and run every enabled check over it in one walk.

    With ``index`` (fix mode), findings that depend on the project index are confirmed
    now and kept as reports with their nodes, so their fixes can be applied.
    """
    try:
        module = parse(text)
    except cst.ParserSyntaxError as error:
        message = error.message.strip().splitlines()[0] if error.message.strip() else "invalid syntax"
        line = max(error.raw_line, 1)
        return Analysis(None, findings=[file_problem(display, "AIO001", f"syntax error: {message}", line, error.raw_column + 1)])
    except RecursionError:
        return Analysis(None, findings=[file_problem(display, "AIO001", "syntax error: too deeply nested to parse")])
    except Exception as error:  # the parser itself failed: not the user's fault, but not fatal
        return Analysis(None, findings=[file_problem(display, "AIO003", f"internal error in the parser: {type(error).__name__}: {error}")])

    ctx = Context(module, module_name, Resolver(module_name, is_package), settings, set(enabled))
    walker = Walker(checks_for(set(enabled), settings), ctx)
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    try:
        walker.walk(module)
    except RecursionError:
        return Analysis(module, findings=[file_problem(display, "AIO003", "internal error: code nested too deeply to analyse")])
    except Exception as error:  # an engine bug: this file gets one finding, the run goes on
        return Analysis(module, findings=[file_problem(display, "AIO003", f"internal error in the engine: {type(error).__name__}: {error}")])
    finally:
        sys.setrecursionlimit(old_limit)

    reports = list(ctx.reports)
    for error in walker.errors:
        reports.append(Report(error.node, "AIO003", f"internal error in check {error.check}: {type(error.error).__name__}: {error.error}"))
    ctx.facts.path = display
    deferred = ctx.deferred
    if index is not None:
        reports += link_reports(deferred, index)
        deferred = []
    analysis = Analysis(module, reports, facts=ctx.facts)
    nodes = [r.node for r in reports] + [d.node for d in deferred] + [site[0] for site in ctx.sites]
    ranges = locate(module, nodes) if nodes else {}
    lines = _Lines(text)
    analysis.reports = [r for r in reports if r.code == "AIO003" or not lines.suppressed(_start(ranges, r.node), r.code)]
    analysis.findings = to_findings(ranges, display, analysis.reports)
    analysis.pending = to_pending(ranges, lines, display, deferred)
    for node, facts, callee, code in ctx.sites:
        facts.blocking = BlockingSite(callee, code, display, ranges.get(id(node), (1, 0, 1, 0))[0])
    return analysis


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


def to_pending(ranges: dict, lines: _Lines, display: str, deferred: Sequence[Deferred]) -> List[Pending]:
    out: List[Pending] = []
    for item in deferred:
        start_line, start_col, end_line, end_col = ranges.get(id(item.node), (1, 0, 1, 0))
        if lines.suppressed(start_line, item.code):
            continue
        fix = None if item.fix is None else FixInfo(item.fix.applicability, item.fix.message)
        out.append(Pending(item.code, item.callee, display, start_line, start_col + 1, end_line, end_col + 1, item.context, fix))
    return out


def link(pending: Sequence[Pending], index: ProjectIndex) -> List[Finding]:
    """Turn deferred findings into findings where the project index confirms them."""
    out: List[Finding] = []
    for item in pending:
        message = LINKERS[item.code](item, index)
        if message is not None:
            out.append(Finding(item.path, item.line, item.column, item.end_line, item.end_column, item.code, message, item.fix))
    return out


def link_reports(deferred: Sequence[Deferred], index: ProjectIndex) -> List[Report]:
    """Deferred findings the index confirms, as reports that still hold their nodes."""
    out: List[Report] = []
    for item in deferred:
        probe = Pending(item.code, item.callee, "", 0, 0, 0, 0, item.context)
        message = LINKERS[item.code](probe, index)
        if message is not None:
            out.append(Report(item.node, item.code, message, item.fix))
    return out
