"""Apply fixes to a parsed module: compose them, add imports once, prove the result parses.

Replacements are functions of the *updated* node, applied bottom-up by one transformer,
so fixes nested inside each other (a call inside a call) compose instead of clobbering.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from asynclint.engine import deep

from asynclint.engine import libcst_gaps
from asynclint.engine.contract import Report

Replacement = Callable[[cst.CSTNode], Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel]]

BACKGROUND_TASKS = "_background_tasks"


class FixFailed(Exception):
    """The fixed source would not parse: the file is left as it was."""


class Editor:
    """What a fix's ``edit`` may do to the module."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.replacements: Dict[int, List[Replacement]] = {}
        self.imports: List[str] = []  # modules to import, in the order first asked for
        self.module_statements: List[str] = []  # top-level statements to add after imports
        self._imported = _top_level_imports(module)

    def replace(self, node: cst.CSTNode, replacement: Replacement) -> None:
        self.replacements.setdefault(id(node), []).append(replacement)

    def module_name(self, name: str) -> str:
        """The local name of module ``name``, importing it once if the file does not."""
        local = self._imported.get(name)
        if local is not None:
            return local
        if name not in self.imports:
            self.imports.append(name)
        return name

    def asyncio_name(self) -> str:
        return self.module_name("asyncio")

    def background_tasks_name(self) -> str:
        """A module-level set that keeps tasks alive until they finish: an existing
        ``_background_tasks = set()`` is reused; a name bound to anything else is not."""
        bound = _module_level_names(self.module)
        name = BACKGROUND_TASKS
        for i in range(1, 1000):
            if name not in bound or _is_empty_set(bound[name]):
                break
            name = f"{BACKGROUND_TASKS}_{i}"
        if name not in bound:
            statement = f"{name} = set()  # strong references to tasks still running"
            if statement not in self.module_statements:
                self.module_statements.append(statement)
        return name


def _top_level_imports(module: cst.Module) -> Dict[str, str]:
    """``import x`` / ``import x as y`` at module level: module name -> local name."""
    found: Dict[str, str] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = cst.helpers.get_full_name_for_node(alias.name)
                    if name is None or "." in name:
                        continue
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        found.setdefault(name, alias.asname.name.value)
                    else:
                        found.setdefault(name, name)
    return found


def _module_level_names(module: cst.Module) -> Dict[str, Optional[cst.BaseExpression]]:
    """Names bound at module level, with the value of a plain assignment (None otherwise;
    a name bound twice is None too, as its value is not certain)."""
    names: Dict[str, Optional[cst.BaseExpression]] = {}

    def bind(name: str, value: Optional[cst.BaseExpression]) -> None:
        names[name] = None if name in names else value

    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            bind(stmt.name.value, None)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            bind(target.target.value, small.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    bind(small.target.value, small.value)
                elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        local = alias.asname.name if alias.asname is not None else alias.name
                        if isinstance(local, cst.Name):
                            bind(local.value, None)
    return names


def _is_empty_set(value: Optional[cst.BaseExpression]) -> bool:
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "set"
        and not value.args
    )


class _Apply(cst.CSTTransformer):
    def __init__(self, replacements: Dict[int, List[Replacement]]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        result = updated_node
        for replacement in self.replacements.get(id(original_node), ()):
            if not isinstance(result, cst.CSTNode):
                break  # already flattened or removed by an earlier fix on the same node
            result = replacement(result)
        return result


def _insertion_index(body: Sequence[cst.BaseStatement]) -> int:
    """After the docstring, ``from __future__`` imports and the leading block of imports."""
    index = 0
    if body and _is_docstring(body[0]):
        index = 1
    while index < len(body) and _is_import_line(body[index]):
        index += 1
    return index


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in stmt.body
    )


def _add_top_level(module: cst.Module, imports: List[str], statements: List[str]) -> cst.Module:
    if not imports and not statements:
        return module
    body = list(module.body)
    at = _insertion_index(body)
    new_imports = [cst.parse_statement(f"import {name}\n") for name in imports]
    body[at:at] = new_imports
    at += len(new_imports)
    # Module-level statements go after every leading import, including the ones just added.
    while at < len(body) and _is_import_line(body[at]):
        at += 1
    added = [cst.parse_statement(code + "\n") for code in statements]
    if added and at > 0:
        added[0] = added[0].with_changes(leading_lines=[cst.EmptyLine()])
    body[at:at] = added
    after = at + len(added)
    if after < len(body):
        body[after] = _separated(body[after])
    return module.with_changes(body=body)


def _separated(stmt: cst.BaseStatement) -> cst.BaseStatement:
    """Blank lines between added imports and the code after them, as PEP 8 asks (E302/E305)."""
    if _is_import_line(stmt) or not hasattr(stmt, "leading_lines"):
        return stmt
    wanted = 2 if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) else 1
    blank = 0
    for line in stmt.leading_lines:  # type: ignore[attr-defined]
        if line.comment is not None:
            break
        blank += 1
    if blank >= wanted:
        return stmt
    extra = [cst.EmptyLine()] * (wanted - blank)
    return stmt.with_changes(leading_lines=extra + list(stmt.leading_lines))  # type: ignore[attr-defined]


def apply_fixes(module: cst.Module, reports: Sequence[Report]) -> Tuple[str, List[Report]]:
    """The module's new source with every given report's fix applied, and those applied.

    LibCST's transformer and code generation recurse through the tree: a long chain is
    retried with room to recurse, and one too deep even for that is not fixed.
    """
    try:
        return deep.retried(_fixed, module, reports)
    except RecursionError:
        raise FixFailed("code nested too deeply to fix") from None


def _fixed(module: cst.Module, reports: Sequence[Report]) -> Tuple[str, List[Report]]:
    editor = Editor(module)
    applied = []
    for report in reports:
        if report.fix is None or report.fix.edit is None:
            continue
        report.fix.edit(editor)
        applied.append(report)
    if not applied:
        return module.code, []
    fixed = module.visit(_Apply(editor.replacements))
    fixed = _add_top_level(fixed, editor.imports, editor.module_statements)
    code = fixed.code
    try:
        libcst_gaps.parse_module(code)
    except cst.ParserSyntaxError as error:
        raise FixFailed(f"fixed source does not parse: {error.message}") from None
    return code, applied
