"""``--format json``: one array, one object per finding, nothing else on stdout."""
from __future__ import annotations

import json
from typing import List, TextIO

from asynclint.findings import Finding
from asynclint.output.escape import encodable


def write_json(findings: List[Finding], out: TextIO) -> None:
    json.dump([_encodable(finding.to_json()) for finding in findings], out, indent=2)
    out.write("\n")


def _encodable(item: dict) -> dict:
    """Strings with no lone surrogate (a name's undecodable byte), which JSON forbids."""
    fix = item["fix"]
    if fix is not None:
        item["fix"] = dict(fix, message=encodable(fix["message"]))
    return dict(item, path=encodable(item["path"]), message=encodable(item["message"]))
