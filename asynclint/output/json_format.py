"""``--format json``: one array, one object per finding, nothing else on stdout."""
from __future__ import annotations

import json
from typing import List, TextIO

from asynclint.findings import Finding


def write_json(findings: List[Finding], out: TextIO) -> None:
    json.dump([finding.to_json() for finding in findings], out, indent=2)
    out.write("\n")
