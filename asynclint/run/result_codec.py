"""One file's results as compact JSON-ready lists, and back, for the cache.

A cache file may be corrupt or written by someone else, so decoding checks every value's
type as it goes and raises ``CacheCorrupt`` on anything ``encode_result`` does not write;
the caller then discards the whole cache. Strings are stored once per file, in a table:
qualified names repeat across facts and findings, and the table keeps entries small.
"""
from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from asynclint.findings import Finding, FixInfo
from asynclint.project.facts import BlockingSite, FileFacts, FunctionFacts, Pending


class CacheCorrupt(Exception):
    """A cache file that does not decode as expected; the whole cache is then ignored."""


class DecodedResult(NamedTuple):
    """What one file's cache entry holds, decoded."""

    findings: List[Finding]
    pending: List[Pending]
    facts: Optional[FileFacts]


def encode_finding(f: Finding) -> list:
    return [f.path, f.line, f.column, f.end_line, f.end_column, f.code, f.message, _fix(f.fix)]


def decode_finding(raw: list) -> Finding:
    path, line, column, end_line, end_column, code, message, fix = raw
    return Finding(_s(path), _i(line), _i(column), _i(end_line), _i(end_column), _s(code), _s(message), _unfix(fix))


class _Strings:
    """A file's strings, each stored once: qualified names repeat across facts and findings."""

    def __init__(self) -> None:
        self.table: List[str] = []
        self.index: Dict[str, int] = {}

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.table)
            self.table.append(value)
        return found


def encode_result(findings: Sequence[Finding], pending: Sequence[Pending], facts: Optional[FileFacts]) -> list:
    """One file's results as JSON-ready lists of integers, plus the table of its strings.

    Paths are not stored: every finding, pending finding and fact of a file carries its
    display path, which is the entry's key.
    """
    s = _Strings()
    return [
        s.table,
        [[f.line, f.column, f.end_line, f.end_column, s(f.code), s(f.message), _fix(f.fix, s)] for f in findings],
        [
            [s(p.code), s(p.callee), p.line, p.column, p.end_line, p.end_column, s(p.context), _fix(p.fix, s),
             p.call[0], p.call[1], s(p.call[2]), 1 if p.iterated else 0]
            for p in pending
        ],
        None if facts is None else _encode_facts(facts, s),
    ]


def decode_result(raw: Any, path: str) -> DecodedResult:
    """Raises CacheCorrupt on anything that is not what ``encode_result`` writes."""
    try:
        table, findings_raw, pending_raw, facts_raw = raw
        if type(table) is not list or not all(type(item) is str for item in table):
            raise TypeError("bad string table")
        t = _Table(table)
        findings = [
            Finding(path, _i(l), _i(c), _i(el), _i(ec), t[code], t[message], _unfix(fix, t))
            for l, c, el, ec, code, message, fix in findings_raw
        ]
        pending = [
            Pending(t[code], t[callee], path, _i(l), _i(c), _i(el), _i(ec), t[ctx], _unfix(fix, t), (_i(rank), _i(total), t[anchor]),
                    bool(_i(iterated)))
            for code, callee, l, c, el, ec, ctx, fix, rank, total, anchor, iterated in pending_raw
        ]
        facts = None if facts_raw is None else _decode_facts(facts_raw, t, path)
        return DecodedResult(findings, pending, facts)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        raise CacheCorrupt(str(error)) from None


class _Table:
    __slots__ = ("table",)

    def __init__(self, table: List[str]) -> None:
        self.table = table

    def __getitem__(self, index: Any) -> str:
        if type(index) is not int or index < 0:
            raise TypeError("bad string index")
        return self.table[index]


def _encode_facts(facts: FileFacts, s: _Strings) -> list:
    functions = []
    for f in facts.functions.values():
        site = f.blocking
        blocking = None if site is None else [s(site.callee), s(site.code), site.line, site.call[0], site.call[1], s(site.call[2])]
        flags = (1 if f.is_async else 0) | (2 if f.is_generator else 0)
        functions.append([s(f.qualname), flags, [s(d) for d in f.decorators], [s(c) for c in f.calls], blocking])
    classes = [[s(k), [s(b) for b in v]] for k, v in facts.classes.items()]
    aliases = [[s(k), s(v)] for k, v in facts.aliases.items()]
    return [s(facts.module), functions, classes, aliases]


def _decode_facts(raw: list, t: _Table, path: str) -> FileFacts:
    module, functions_raw, classes, aliases = raw
    facts = FileFacts(t[module], path)
    for qualname, flags, decorators, calls, blocking in functions_raw:
        site = None
        if blocking is not None:
            callee, code, line, rank, total, anchor = blocking
            site = BlockingSite(t[callee], t[code], path, _i(line), (_i(rank), _i(total), t[anchor]))
        name = t[qualname]
        facts.functions[name] = FunctionFacts(
            name, bool(_i(flags) & 1), bool(flags & 2), tuple(t[d] for d in decorators), [t[c] for c in calls], site
        )
    facts.classes = {t[k]: tuple(t[b] for b in v) for k, v in classes}
    facts.aliases = {t[k]: t[v] for k, v in aliases}
    return facts


def _fix(fix: Optional[FixInfo], s: Optional[_Strings] = None) -> Optional[list]:
    if fix is None:
        return None
    return [fix.applicability, s(fix.message) if s is not None else fix.message]


def _unfix(raw: Any, t: Optional[_Table] = None) -> Optional[FixInfo]:
    if raw is None:
        return None
    applicability, message = raw
    if applicability not in ("safe", "unsafe"):
        raise ValueError("bad fix applicability")
    return FixInfo(applicability, t[message] if t is not None else _s(message))


def checked_str(value: Any) -> str:
    """Raises TypeError unless ``value`` is a string: decoded JSON may hold anything."""
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def checked_int(value: Any) -> int:
    """Raises TypeError unless ``value`` is an int (not a bool, not a float)."""
    if type(value) is not int:
        raise TypeError("expected an integer")
    return value


_s, _i = checked_str, checked_int
