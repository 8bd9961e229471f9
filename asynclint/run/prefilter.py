"""A byte-level look at a file, before paying for a LibCST parse.

Every rule that reports inside a coroutine needs the bytes ``async`` in the file, the task
rules need ``create_task``/``ensure_future``, and a coroutine dropped in sync code is a call
to something imported or defined here. The project index needs every file that defines or
imports anything (its functions may block and be called from a coroutine elsewhere). A file
with none of these bytes (an empty ``__init__.py``, a module of constants) is not parsed.
"""
from __future__ import annotations

_TOKENS = (b"async", b"await", b"create_task", b"ensure_future", b"def", b"class", b"import")


def needs_parse(data: bytes) -> bool:
    """False only when the file can neither hold a finding nor add to the project index."""
    return any(token in data for token in _TOKENS)
