"""``--format sarif``: a SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers.

Every rule is described in ``tool.driver.rules`` (help text from its page), so a viewer can
explain a result without asynclint installed. A result carries a ``fixes`` entry only when
the real fixer produced the edit: SARIF requires a fix to list its artifact changes, so the
replacements are computed by applying that one finding's fix and comparing the texts.
"""
from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, TextIO, Tuple
from urllib.parse import quote

from asynclint import __version__
from asynclint.codes import RULES
from asynclint.findings import Finding
from asynclint.output.escape import encodable
from asynclint.output.rule_docs import page_or_summary, rule_page

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# A fixed finding's edits: (char offset, char length, inserted text) in the original text.
Edit = Tuple[int, int, str]
# Given a file's display path, the edits of each fixable finding in it (by finding).
FixProvider = Callable[[str, Sequence[Finding]], Dict[Finding, List[Edit]]]


def information_uri() -> Optional[str]:
    """The project's home page from its installed metadata, if it declares one."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("asynclint")
    except (ImportError, PackageNotFoundError):
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source") and url.strip():
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home != "UNKNOWN" else None


def rule_descriptor(code: str) -> dict:
    rule = RULES[code]
    page = page_or_summary(code)
    summary = rule.summary
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": _first_paragraph(rule_page(code)) or summary},
        "help": {"text": page, "markdown": page},
        "defaultConfiguration": {"enabled": rule.default, "level": "error"},
        "properties": {"fix": rule.fix or "none"},
    }


def _first_paragraph(page: Optional[str]) -> str:
    """The page's first prose paragraph (after its heading), as plain text."""
    if not page:
        return ""
    for block in page.split("\n\n"):
        text = block.strip()
        if text and not text.startswith(("#", "```", "|", "-", "*")):
            return " ".join(text.split())
    return ""


def artifact_uri(path: str) -> str:
    """Relative paths stay relative (forward slashes); absolute ones become file URIs.

    The name's bytes as the file system holds them are percent-encoded (RFC 3986), so the
    URI names the real file even when its name is not UTF-8 or holds a newline.
    """
    posix = path.replace("\\", "/")
    if os.path.isabs(path):
        return "file://" + quote(os.fsencode(posix if posix.startswith("/") else "/" + posix))
    return quote(os.fsencode(posix[2:] if posix.startswith("./") else posix))


def region(finding: Finding) -> dict:
    return {
        "startLine": max(finding.line, 1),
        "startColumn": max(finding.column, 1),
        "endLine": max(finding.end_line, finding.line, 1),
        "endColumn": max(finding.end_column, 1),
    }


def sarif_result(finding: Finding, edits: Optional[List[Edit]]) -> dict:
    uri = artifact_uri(finding.path)
    result = {
        "ruleId": finding.code,
        "ruleIndex": _RULE_INDEX.get(finding.code, 0),
        "level": "error",
        "message": {"text": encodable(finding.message)},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region(finding)}}],
    }
    if finding.fix is not None and edits:
        result["fixes"] = [{
            "description": {"text": encodable(finding.fix.message)},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri},
                "replacements": [
                    {"deletedRegion": {"charOffset": offset, "charLength": length}, "insertedContent": {"text": text}}
                    for offset, length, text in edits
                ],
            }],
        }]
    return result


_RULE_INDEX: Dict[str, int] = {code: i for i, code in enumerate(RULES)}


def sarif_log(findings: Sequence[Finding], fixes: Optional[FixProvider] = None) -> dict:
    edits: Dict[Finding, List[Edit]] = {}
    if fixes is not None:
        by_path: Dict[str, List[Finding]] = {}
        for finding in findings:
            if finding.fix is not None:
                by_path.setdefault(finding.path, []).append(finding)
        for path, group in by_path.items():
            edits.update(fixes(path, group))
    driver = {"name": "asynclint", "version": __version__, "semanticVersion": __version__,
              "rules": [rule_descriptor(code) for code in RULES]}
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": [sarif_result(f, edits.get(f)) for f in findings],
        }],
    }


def write_sarif(findings: Sequence[Finding], out: TextIO, fixes: Optional[FixProvider] = None) -> None:
    json.dump(sarif_log(findings, fixes), out, indent=2)
    out.write("\n")


# -- turning a fixed text into replacements --------------------------------------------


@dataclass(frozen=True)
class Hunk:
    first_line: int  # 1-based first original line replaced; for an insertion, the line after it
    last_line: int  # 1-based last original line replaced; first_line - 1 for a pure insertion
    edit: Edit


def text_edits(before: str, after: str) -> List[Hunk]:
    """Line-granular replacements turning ``before`` into ``after``, offsets in code points.

    A block of changed lines that maps one-to-one onto new lines is split per line, so
    fixes on neighbouring lines stay separate edits.
    """
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))

    def hunk(i1: int, i2: int, j1: int, j2: int) -> Hunk:
        return Hunk(i1 + 1, i2, (starts[i1], starts[i2] - starts[i1], "".join(new[j1:j2])))

    hunks = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            hunks += [hunk(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1) if old[i1 + k] != new[j1 + k]]
        else:
            hunks.append(hunk(i1, i2, j1, j2))
    return hunks


def overlaps(finding: Finding, hunk: Hunk) -> bool:
    """Whether the hunk edits the finding's lines (an insertion: right after one of them)."""
    if hunk.last_line < hunk.first_line:  # insertion between last_line and first_line
        return finding.line <= hunk.first_line and finding.end_line >= hunk.last_line
    return hunk.first_line <= finding.end_line and hunk.last_line >= finding.line
