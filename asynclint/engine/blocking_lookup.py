"""What a call blocks on: the user's ``blocking-calls`` table, the catalogue, then method names.

Fact collection (each sync function's blocking call, which AIO110 follows) and the
AIO100-AIO109 check ask the same question, so one lookup keeps their answers the same.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, NamedTuple, Optional

import libcst as cst

from asynclint.apis.blocking_calls import BLOCKING_CALLS, BLOCKING_METHOD_NAMES, FILE_OBJECT_ARGUMENTS, IN_MEMORY_FILES, Entry
from asynclint.engine.resolver import argument
from asynclint.settings import Settings

if TYPE_CHECKING:
    from asynclint.engine.walker import Context


class Blocking(NamedTuple):
    """A blocking call's catalogue entry, with the name the call was found under."""

    callee: str
    code: str
    suggestion: str
    fix: str  # the kind of rewrite that fixes it, "" for none


def lookup(table: Dict[str, Entry], name: str) -> Optional[Entry]:
    """Exact match first, then the nearest ``prefix.*`` wildcard."""
    entry = table.get(name)
    if entry is not None:
        return entry
    prefix = name
    while "." in prefix:
        prefix = prefix.rsplit(".", 1)[0]
        entry = table.get(prefix + ".*")
        if entry is not None:
            return entry
    return None


def user_table(settings: Settings) -> Dict[str, Entry]:
    """The ``blocking-calls`` setting as catalogue entries (AIO109)."""
    return {name: ("AIO109", hint, "to_thread") for name, hint in settings.blocking_calls.items()}


def blocking_entry(
    call: cst.Call, name: Optional[str], user: Dict[str, Entry], unknown_receiver: bool = False
) -> Optional[Blocking]:
    """What a call blocks on, if anything: the user's table, the catalogue, then method names
    (``loop.run_until_complete``) on receivers whose type is unknown."""
    if name is not None:
        entry = lookup(user, name) if user else None
        if entry is None:
            entry = lookup(BLOCKING_CALLS, name)
        if entry is not None:
            return Blocking(name, *entry)
        if not name.startswith("builtins.") and not unknown_receiver:
            return None
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in BLOCKING_METHOD_NAMES:
        shown, entry = BLOCKING_METHOD_NAMES[func.attr.value]
        return Blocking(shown, *entry)
    return None


def in_memory(call: cst.Call, name: str, ctx: "Context") -> bool:
    """``zipfile.ZipFile(io.BytesIO(data))``, ``tarfile.open(fileobj=buffer)``: an archive in memory
    reads no file, though the same call on a name does."""
    where = FILE_OBJECT_ARGUMENTS.get(name)
    if where is None:
        return False
    value = argument(call, *where)
    return value is not None and value is not call and ctx.value(value) in IN_MEMORY_FILES
