"""The rewrites behind each fix, built by checks while the tree is alive.

A check calls one of the builders here with the node it reports; the builder returns a
``Fix`` (or None where a rewrite would not be correct in that spot) whose ``edit`` the
fixer runs later against an :class:`asynclint.fixes.editor.Editor`. Builders never mutate
anything themselves.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import libcst as cst

from asynclint.engine.contract import Fix
from asynclint.engine.walker import Context

_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def await_allowed(ctx: Context) -> bool:
    """``await`` may be inserted here without changing what the code means or parses as.

    Not in sync code, not in a class body, and not inside a generator expression (an
    ``await`` there would turn it into an async generator).
    """
    if not ctx.in_async or ctx.place.kind == "class":
        return False
    for ancestor in reversed(ctx.parents):
        if ancestor is ctx.frame.node:
            break
        if isinstance(ancestor, cst.GeneratorExp):
            return False
    return True


def _needs_parens(ctx: Context, node: cst.CSTNode) -> bool:
    """``await x`` binds looser than attribute access, subscription and calls."""
    parent = ctx.parent
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return parent.value is node
    if isinstance(parent, cst.Call):
        return parent.func is node
    return False


# Operands ``await`` takes as they are; anything else (``a if c else b``, ``x or y``, ``-x``)
# binds looser than ``await`` and must be parenthesised to be awaited whole.
_PRIMARY = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BaseString, cst.Integer, cst.Float,
    cst.Imaginary, cst.List, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp,
    cst.GeneratorExp, cst.Ellipsis, cst.Await,
)


def _await(expr: cst.BaseExpression, parens: bool) -> cst.Await:
    inner = expr.with_changes(lpar=(), rpar=()) if isinstance(expr, cst.Call) else expr
    if not isinstance(inner, _PRIMARY) and not getattr(inner, "lpar", None):
        inner = inner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    node = cst.Await(expression=inner)
    if parens or (isinstance(expr, cst.Call) and expr.lpar):
        node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def _attr(base: str, name: str) -> cst.Attribute:
    return cst.Attribute(value=cst.parse_expression(base), attr=cst.Name(name))


def _with_comma(args: List[cst.Arg]) -> List[cst.Arg]:
    """Every argument but the last ends in ``, `` (LibCST keeps commas on the nodes)."""
    out = []
    for i, arg in enumerate(args):
        last = i == len(args) - 1
        out.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT if last else _COMMA))
    return out


def insert_await(node: cst.Call, ctx: Context, message: str = "Add `await`") -> Optional[Fix]:
    """AIO200/AIO202: the call already makes the coroutine; await it where it stands."""
    if not await_allowed(ctx):
        return None
    parens = _needs_parens(ctx, node)
    return Fix("unsafe", message, lambda editor: editor.replace(node, lambda new: _await(new, parens)))


def await_sleep(node: cst.Call, ctx: Context) -> Optional[Fix]:
    """AIO100: ``time.sleep(x)`` -> ``await asyncio.sleep(x)``."""
    if not await_allowed(ctx):
        return None
    parens = _needs_parens(ctx, node)

    def edit(editor) -> None:  # type: ignore[no-untyped-def]
        aio = editor.asyncio_name()
        editor.replace(node, lambda new: _await(new.with_changes(func=_attr(aio, "sleep")), parens))

    return Fix("unsafe", "Replace with `await asyncio.sleep(...)`", edit)


def to_thread(node: cst.Call, ctx: Context) -> Optional[Fix]:
    """``f(args)`` -> ``await asyncio.to_thread(f, args)`` (an executor before Python 3.9)."""
    if not await_allowed(ctx) or _is_with_item(ctx, node):
        return None
    parens = _needs_parens(ctx, node)
    target = ctx.settings.target_version

    def edit(editor) -> None:  # type: ignore[no-untyped-def]
        aio = editor.asyncio_name()
        if target >= (3, 9):
            editor.replace(node, lambda new: _await(_to_thread_call(new, aio), parens))
        else:
            functools = editor.module_name("functools")
            editor.replace(node, lambda new: _await(_executor_call(new, aio, functools), parens))

    text = "`await asyncio.to_thread(...)`" if target >= (3, 9) else "`await loop.run_in_executor(...)`"
    return Fix("unsafe", f"Run it in a thread with {text}", edit)


def _to_thread_call(call: cst.Call, aio: str) -> cst.Call:
    func = call.func.with_changes(lpar=(), rpar=()) if isinstance(call.func, cst.Call) else call.func
    return cst.Call(func=_attr(aio, "to_thread"), args=_prepend(func, call.args),
                    whitespace_before_args=call.whitespace_before_args)


def _prepend(value: cst.BaseExpression, args: Sequence[cst.Arg]) -> List[cst.Arg]:
    """``value`` as a new first argument. The call's own arguments keep their commas, and
    with them any comments and line breaks between arguments."""
    if not args:
        return [cst.Arg(value=value)]
    return [cst.Arg(value=value, comma=_COMMA)] + list(args)


def _executor_call(call: cst.Call, aio: str, functools: str) -> cst.Call:
    partial = cst.Call(func=_attr(functools, "partial"), args=_prepend(call.func, call.args),
                       whitespace_before_args=call.whitespace_before_args)
    loop = cst.Call(func=_attr(aio, "get_running_loop"))
    return cst.Call(
        func=cst.Attribute(value=loop, attr=cst.Name("run_in_executor")),
        args=_with_comma([cst.Arg(value=cst.Name("None")), cst.Arg(value=partial)]),
    )


def _is_with_item(ctx: Context, node: cst.CSTNode) -> bool:
    parent = ctx.parent
    return isinstance(parent, cst.WithItem) and parent.item is node


def await_argument(node: cst.Call, ctx: Context) -> Optional[Fix]:
    """AIO108: ``asyncio.run(coro)`` / ``loop.run_until_complete(coro)`` -> ``await coro``."""
    if not await_allowed(ctx) or len(node.args) != 1:
        return None
    arg = node.args[0]
    if arg.keyword is not None or arg.star:
        return None
    parens = _needs_parens(ctx, node)
    return Fix(
        "unsafe",
        "Await the coroutine instead of starting a nested event loop",
        lambda editor: editor.replace(node, lambda new: _await(new.args[0].value, parens)),
    )


def running_loop(node: cst.Call, ctx: Context) -> Optional[Fix]:
    """AIO501: ``asyncio.get_event_loop()`` -> ``asyncio.get_running_loop()``."""
    if node.args:
        return None

    def edit(editor) -> None:  # type: ignore[no-untyped-def]
        aio = editor.asyncio_name()
        editor.replace(node, lambda new: new.with_changes(func=_attr(aio, "get_running_loop")))

    return Fix("safe", "Replace with `asyncio.get_running_loop()`", edit)


def keep_task(statement: cst.Expr, call: cst.Call, ctx: Context) -> Optional[Fix]:
    """AIO300: bind the task, add it to a module-level set, discard it when done."""
    taken = set(ctx.place.scope.names) | set(ctx.resolver.module_scope.names)
    name = next(n for n in ("task", "_task", "bg_task") + tuple(f"_task{i}" for i in range(1, 100)) if n not in taken)

    line = ctx.parents[-2] if len(ctx.parents) >= 2 else None
    alone = isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1

    def edit(editor) -> None:  # type: ignore[no-untyped-def]
        tasks = editor.background_tasks_name()

        def statements(value: cst.BaseExpression) -> List[cst.BaseSmallStatement]:
            assign = cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)
            add = cst.parse_statement(f"{tasks}.add({name})\n").body[0]
            done = cst.parse_statement(f"{name}.add_done_callback({tasks}.discard)\n").body[0]
            return [assign, add, done]

        if alone:
            # One statement per line, the first keeping the original's comments and blank lines.
            def rewrite_line(new: cst.SimpleStatementLine):  # type: ignore[no-untyped-def]
                first, *rest = statements(new.body[0].value)
                lines = [new.with_changes(body=[first])]
                lines += [cst.SimpleStatementLine(body=[small]) for small in rest]
                return cst.FlattenSentinel(lines)

            editor.replace(line, rewrite_line)
        else:
            editor.replace(statement, lambda new: cst.FlattenSentinel(statements(new.value)))

    return Fix("unsafe", "Keep a strong reference to the task in a module-level set", edit)


def yield_in_loop(loops: List[cst.CSTNode], ctx: Context) -> Optional[Fix]:
    """AIO400/AIO401: ``await asyncio.sleep(0)`` in each loop, so every iteration gives way."""
    if not await_allowed(ctx):
        return None
    placements = [(loop, _continues(loop.body)) for loop in loops]

    def edit(editor) -> None:  # type: ignore[no-untyped-def]
        aio = editor.asyncio_name()
        for loop, first in placements:
            editor.replace(
                loop, lambda new, first=first: new.with_changes(body=_add_statement(new.body, f"await {aio}.sleep(0)", first))
            )

    where = "first" if all(first for _, first in placements) else "last"
    which = "the loop body" if len(loops) == 1 else f"the body of each of the {len(loops)} innermost busy loops"
    return Fix("unsafe", f"Add `await asyncio.sleep(0)` as the {where} statement of {which}", edit)


def _add_statement(body: cst.BaseSuite, code: str, first: bool) -> cst.BaseSuite:
    if isinstance(body, cst.IndentedBlock):
        line = cst.parse_statement(code + "\n")
        statements = [line, *body.body] if first else [*body.body, line]
        return body.with_changes(body=statements)
    small = cst.parse_statement(code + "\n").body[0]
    assert isinstance(body, cst.SimpleStatementSuite)
    items = [small, *body.body] if first else [*body.body, small]
    items = [s.with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))) for s in items[:-1]] + [
        items[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    ]
    return body.with_changes(body=items)


def _continues(body: cst.BaseSuite) -> bool:
    """A ``continue`` of this loop (not of a nested loop or def) skips a statement added last."""
    for node in _own_statements(body):
        if isinstance(node, cst.Continue):
            return True
    return False


def _own_statements(body: cst.BaseSuite):  # type: ignore[no-untyped-def]
    for stmt in getattr(body, "body", ()):
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, cst.BaseSmallStatement):
            yield stmt
        elif isinstance(stmt, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(stmt, cst.BaseCompoundStatement):
            blocks = [case.body for case in stmt.cases] if isinstance(stmt, cst.Match) else [stmt.body]
            for extra in ("orelse", "finalbody"):
                block = getattr(stmt, extra, None)
                while block is not None:
                    blocks.append(block.body)
                    block = block.orelse if isinstance(block, cst.If) else None
            blocks += [h.body for h in getattr(stmt, "handlers", ())]
            for block in blocks:
                yield from _own_statements(block)
