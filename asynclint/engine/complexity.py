"""What is known to crash or explode LibCST's parser, measured before parsing.

LibCST's native parser recurses once per level of the tree it builds, and some constructs
cost it far more than their size: a long chain of ``and`` (one level per operator) overflows
its stack and kills the process, a chain of ``+`` or of ``.m()`` calls takes time that grows
much faster than its length, nested lambdas take memory that grows with the square of theirs.
Such files are refused here as AIO002 "too complex to analyse" (or AIO001 when CPython's own
parser refuses them too), with what was measured, before LibCST ever sees them.

The measure is Python's tokenizer plus a little bookkeeping per bracket level; no LibCST, so
it can run anywhere. That costs about a quarter of a LibCST parse (0.08 s against 0.3 s for
Home Assistant's 2,852-line core.py), so counting characters and lines first rules out almost
every file: only one of Home Assistant's 7,978 files could hold one of the constructs below
at its limit, and the counting costs 0.6% of parsing them. What slips past the counts (a
chain laid out in some odd way) is still parsed in a worker process, under its budget.
"""
from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
import warnings
from dataclasses import dataclass
from itertools import accumulate
from typing import Dict, List, NamedTuple, Optional, Tuple

# -- limits ---------------------------------------------------------------------------------
#
# Measured with LibCST 1.9.0 on CPython 3.11, each construct alone in a file, parsed in a
# fresh process (8 MB main-thread stack, the Linux default) on the 2-core test machine while
# other work ran on it: seconds of parsing and peak RSS at a few sizes, and where the parser
# killed the process (SIGSEGV). Each limit sits where parsing takes a fraction of a second,
# far below the crashes, and at least five times above the longest such
# construct in Home Assistant 2025.4.4 (7,978 files), CPython 3.11's standard library and
# the development environment's site-packages ("real", the largest of the three).


@dataclass(frozen=True)
class Limit:
    what: str  # completes "too complex to analyse: ..."
    limit: int


LIMITS: Dict[str, Limit] = {
    # CPython itself refuses more than 200; LibCST dies between 1,250 and 1,281. Real: 15.
    "brackets": Limit("brackets nested too deeply", 200),
    # `- - x`, `not not x`: 200: 0.01 s; 1,000: 0.2-0.5 s, 80 MB; 2,000: 5-9 s, 240 MB. Real: 2.
    "unary": Limit("a run of unary operators", 200),
    # `1+1+...`, `2**2**...`, `a|a|...` (one level each): 300 terms 0.08 s; 600: 0.2-0.3 s;
    # 1,500: 1.8-2.4 s (`**`: 288 MB); 3,000: 15 s; 6,000: 32 s. Real: 24.
    "arithmetic": Limit("a chain of arithmetic or bitwise operators", 300),
    # `a and a and ...`: 2,000 terms 0.2 s, 4,000 0.4 s; dies between 7,000 and 7,125. Real: 14.
    # 5,000 is analysed (issue 19 names it as valid code that must get its findings): the walk
    # after parsing retries in a deep thread (asynclint.engine.deep); past it, AIO002.
    "boolean": Limit("a chain of `and`/`or` operators", 5000),
    # `.b`, `(...)`, `[...]` after one another (`.m()` is two): 200 of them 0.02-0.1 s;
    # 1,000 subscripts or slices 2-2.2 s, 500 `.m()` calls 0.6 s. Real: 36.
    "trailers": Limit("a chain of attribute accesses, calls and subscripts", 200),
    # `elif` nests the next branch: 1,000 branches 0.09 s, 5,000 0.55 s; dies between 8,250
    # and 8,375. Real: 20.
    "elif": Limit("an if statement with too many elif branches", 1000),
    # `lambda: lambda: ...`: memory grows with the square: 100 take 25 MB and 0.01 s, 500
    # 71 MB, 1,000 211 MB, 2,000 765 MB and 14 s. Real: 1.
    "lambda": Limit("nested lambdas", 100),
    # `a if a else a if a else ...`: 200 0.02 s; 1,000 0.8 s, 198 MB; 2,000 over 30 s. Real: 3.
    "conditional": Limit("nested conditional expressions", 200),
}


class TooComplex(Exception):
    """A file to refuse before parsing; ``code`` is AIO001 (CPython refuses it too) or AIO002."""

    def __init__(self, code: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column


def check(text: str) -> None:
    """Raise TooComplex if ``text`` holds something LibCST cannot be trusted to parse."""
    if not may_be_complex(text):
        return
    values, complete = _measure(text)
    exceeded = [(name, value) for name, value in values.items() if value > LIMITS[name].limit]
    if not exceeded and complete:
        return
    python = python_refusal(text)  # Python 3.12's tokenizer stops at CPython's nesting limit
    if python is not None:
        raise TooComplex("AIO001", f"syntax error: {python.message}", python.line, python.column)
    if exceeded:
        name, value = exceeded[0]
        limit = LIMITS[name]
        raise TooComplex("AIO002", f"too complex to analyse: {limit.what} ({value:,}, limit {limit.limit:,})")


# -- the cheap test -------------------------------------------------------------------------

_NON_BRACKET = re.compile(r"[^()\[\]{}]+")
_DEPTH_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_BOOLEAN = re.compile(r"\b(?:and|or)\b")
_UNARY_RUN = re.compile(r"(?:[-+~]\s*){%d}" % LIMITS["unary"].limit)
_NOT_RUN = re.compile(r"(?:\bnot\s+){%d}" % LIMITS["unary"].limit)
# A chain of operators or trailers takes at least two characters a link: LIMIT links fit on
# one line of twice that length, or run over lines that each begin with a link (as black
# lays them out).
_LONG_LINE = 2 * LIMITS["trailers"].limit
_CHAIN_LINE = re.compile(r"\n[ \t]*[-+/%&|^.]")  # not `*` or `@`: star-args, decorators
# A lambda whose body is a lambda, and an `else` that is not a statement's.
_NESTED_LAMBDA = re.compile(r"lambda\b[^:\n]*:\s*\(?\s*(?=lambda\b)")
_EXPRESSION_ELSE = re.compile(r"else(?!\s*:)")
_CHAIN_LINES = LIMITS["trailers"].limit // 2


def may_be_complex(text: str) -> bool:
    """Whether ``text`` could exceed a limit: True for few real files, and cheap."""
    count = text.count
    if count("elif") > LIMITS["elif"].limit:
        return True
    lambdas = LIMITS["lambda"].limit
    if count("lambda") > lambdas and len(_NESTED_LAMBDA.findall(text)) >= lambdas:
        return True
    conditionals = LIMITS["conditional"].limit
    if count("else") > conditionals and len(_EXPRESSION_ELSE.findall(text)) > conditionals:
        return True
    if count("and") + count("or") > LIMITS["boolean"].limit and len(_BOOLEAN.findall(text)) > LIMITS["boolean"].limit:
        return True
    brackets = count("(") + count("[") + count("{")
    if brackets >= LIMITS["brackets"].limit and _bracket_depth(text) >= LIMITS["brackets"].limit:
        return True
    unary = LIMITS["unary"].limit
    if count("-") + count("+") + count("~") >= unary and _UNARY_RUN.search(text):
        return True
    if count("not") >= unary and _NOT_RUN.search(text):
        return True
    if len(text) < _LONG_LINE:
        return False
    return max(map(len, text.split("\n"))) >= _LONG_LINE or len(_CHAIN_LINE.findall(text)) >= _CHAIN_LINES


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting, counting brackets in strings and comments too (an
    overestimate only costs a tokenizer pass)."""
    brackets = _NON_BRACKET.sub("", text)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


# -- the measure ----------------------------------------------------------------------------

# One counter per measure that belongs to a bracket level; a frame is a list of them.
_ARITH, _BOOL, _TRAIL, _UNARY, _COND, _LAMBDA, _HEADER, _FSTRING = range(8)
_FRAME_SIZE = 8
_BINARY = frozenset({"+", "-", "*", "/", "//", "%", "@", "**", "<<", ">>", "&", "|", "^"})
_COMPARISON = frozenset({"<", ">", "==", ">=", "<=", "!=", "<>"})
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")
_OPERAND_KEYWORDS = frozenset({"True", "False", "None"})
_KEYWORDS = frozenset(keyword.kwlist) - _OPERAND_KEYWORDS
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_SKIPPED = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.ENCODING})


def measure(text: str) -> Dict[str, int]:
    """The largest value of each measure in ``text``."""
    return _measure(text)[0]


def _measure(text: str) -> Tuple[Dict[str, int], bool]:
    """The measures, and whether ``text`` tokenized to its end (if not, they count what came
    before the error)."""
    scan = _Scan()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            scan.feed(token.type, token.string)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return scan.result(), False
    return scan.result(), True


class _Scan:
    """Counts, per bracket level, how long the current chain of each kind has grown.

    Only what nests in LibCST's tree is counted: a chain of `+` is one level per operator,
    a comma starts a new element, a closing bracket returns to the enclosing chain.
    """

    def __init__(self) -> None:
        self.frames: List[List[int]] = [[0] * _FRAME_SIZE]
        self.peak = [0] * _FRAME_SIZE
        self.depth = 0
        self.deepest = 0
        self.operand = False  # the last token ends an operand: `(`, `[`, `.` start a trailer
        self.after_dot = False
        self.line_start = True
        self.level = 0  # indentation
        self.elifs: Dict[int, int] = {}
        self.most_elifs = 0

    def result(self) -> Dict[str, int]:
        peak = self.peak
        return {
            "brackets": self.deepest, "unary": peak[_UNARY], "arithmetic": peak[_ARITH], "boolean": peak[_BOOL],
            "trailers": peak[_TRAIL], "elif": self.most_elifs,
            "lambda": peak[_LAMBDA], "conditional": peak[_COND],
        }

    def feed(self, kind: int, string: str) -> None:
        if kind in _SKIPPED:
            return
        if kind == tokenize.NEWLINE:
            self.frames = [[0] * _FRAME_SIZE]
            self.depth = 0
            self.operand = self.after_dot = False
            self.line_start = True
            return
        if kind == tokenize.INDENT:
            self.level += 1
            return
        if kind == tokenize.DEDENT:
            self.level -= 1
            return
        if self.line_start:
            self.line_start = False
            self._statement(string if kind == tokenize.NAME else "")
        if kind == tokenize.OP:
            self._op(string)
        elif kind == tokenize.NAME:
            self._name(string)
        else:
            self._other(kind)

    def _other(self, kind: int) -> None:
        """A number or a string is a new operand; an f-string (Python 3.12+) is tokenized
        into parts, and its replacement fields are no trailers of the text before them."""
        self.after_dot = False
        if kind == _FSTRING_START:
            self.frames[-1][_TRAIL] = 0
            self.frames.append([0] * _FRAME_SIZE)
            self.frames[-1][_FSTRING] = 1
            self.operand = False
        elif kind == _FSTRING_END:
            if len(self.frames) > 1:
                self.frames.pop()
            self.operand = True
        else:
            self.frames[-1][_TRAIL] = 0
            self.operand = not self.frames[-1][_FSTRING]

    def _statement(self, first: str) -> None:
        if first == "elif":
            count = self.elifs.get(self.level, 0) + 1
            self.elifs[self.level] = count
            if count > self.most_elifs:
                self.most_elifs = count
        elif first != "else":
            self.elifs[self.level] = 0

    def _grow(self, frame: List[int], which: int) -> None:
        frame[which] += 1
        if frame[which] > self.peak[which]:
            self.peak[which] = frame[which]

    def _op(self, op: str) -> None:
        frame = self.frames[-1]
        operand, self.operand, self.after_dot = self.operand, False, False
        if op in _OPENERS:
            if operand and not frame[_FSTRING]:
                self._grow(frame, _TRAIL)
            else:
                frame[_TRAIL] = 0
            self.frames.append([0] * _FRAME_SIZE)
            self.depth += 1
            if self.depth > self.deepest:
                self.deepest = self.depth
        elif op in _CLOSERS:
            if len(self.frames) > 1:
                self.frames.pop()
                self.depth -= 1
            self.operand = True
        elif op == ".":
            if operand:
                self._grow(frame, _TRAIL)
                self.after_dot = True
        elif op in _BINARY and operand:
            self._grow(frame, _ARITH)
            frame[_TRAIL] = frame[_UNARY] = 0
        elif op in ("-", "+", "~"):
            self._grow(frame, _UNARY)
        elif op in _COMPARISON:  # one flat node however long the chain: not measured
            frame[_ARITH] = frame[_TRAIL] = frame[_UNARY] = 0
        elif op == ":" and frame[_HEADER]:
            frame[_HEADER] = 0  # a lambda's parameters end; its body goes on nesting
            _reset(frame, keep_lambda=True)
        elif op in ("=", ",") and frame[_HEADER]:
            _reset(frame, keep_lambda=True)
        elif op == "...":
            frame[_TRAIL] = 0
            self.operand = True
        else:  # `,`, `;`, `=`, `:`, `->`, `:=`, augmented assignment, `*` and `**` before an argument
            _reset(frame, keep_lambda=False)

    def _name(self, name: str) -> None:
        frame = self.frames[-1]
        operand, after_dot = self.operand, self.after_dot
        self.operand, self.after_dot = True, False
        if after_dot:
            return
        if name not in _KEYWORDS:
            frame[_TRAIL] = 0
            return
        self.operand = False
        if name in ("and", "or"):
            self._grow(frame, _BOOL)
            frame[_ARITH] = frame[_TRAIL] = frame[_UNARY] = 0
        elif name == "not":
            if not operand:  # after an operand it is `not in`, a comparison
                self._grow(frame, _UNARY)
        elif name in ("in", "is"):  # comparisons
            frame[_ARITH] = frame[_TRAIL] = frame[_UNARY] = 0
        elif name == "if":
            self._grow(frame, _COND)
            _reset(frame, keep_lambda=True, keep_conditional=True)
        elif name == "else":
            _reset(frame, keep_lambda=True, keep_conditional=True)
        elif name == "lambda":
            self._grow(frame, _LAMBDA)
            _reset(frame, keep_lambda=True, keep_conditional=True)
            frame[_HEADER] = 1
        elif name == "await":
            frame[_TRAIL] = 0
        else:
            _reset(frame, keep_lambda=False)


def _reset(frame: List[int], keep_lambda: bool, keep_conditional: bool = False) -> None:
    """A boundary between expressions: the chains it ends start again from zero."""
    frame[_ARITH] = frame[_BOOL] = frame[_TRAIL] = frame[_UNARY] = 0
    if not keep_conditional:
        frame[_COND] = 0
    if not keep_lambda:
        frame[_LAMBDA] = frame[_HEADER] = 0


# -- CPython's verdict ----------------------------------------------------------------------


class Refusal(NamedTuple):
    message: str
    line: int
    column: int  # 1-based


def python_refusal(text: str, nesting_only: bool = True) -> Optional[Refusal]:
    """Why CPython refuses ``text`` (with ``nesting_only``, only if it is for nesting or
    recursion), else None: such a file is a syntax error for Python itself, not merely too
    much for LibCST."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<asynclint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        if nesting_only and "nest" not in message and "too many" not in message:
            return None
        return Refusal(message, error.lineno or 1, max(error.offset or 1, 1))
    except (RecursionError, MemoryError):
        return Refusal("too deeply nested to parse", 1, 1)
    except ValueError as error:  # a null byte: not a matter of nesting
        return None if nesting_only else Refusal(str(error), 1, 1)
    return None
