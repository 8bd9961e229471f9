"""flake8-style ``# noqa`` and ``# noqa: CODE,CODE`` comments on a finding's first line."""
from __future__ import annotations

import re
from typing import FrozenSet, Optional

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)

ALL = frozenset({"*"})


def noqa_codes(line: str) -> Optional[FrozenSet[str]]:
    """None if the line has no noqa comment, ALL for a bare one, else the codes named."""
    if "noqa" not in line.lower():
        return None
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ALL
    return frozenset(code.upper() for code in _CODE.findall(codes))


def suppressed(code: str, codes: Optional[FrozenSet[str]]) -> bool:
    if codes is None:
        return False
    if codes is ALL:
        return True
    return code in codes or code.startswith(tuple(codes))
