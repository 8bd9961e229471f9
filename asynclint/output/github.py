"""``--format github``: workflow commands that GitHub Actions turns into annotations."""
from __future__ import annotations

from typing import List, TextIO

from asynclint.findings import Finding
from asynclint.output.escape import visible

# Escaped as GitHub's spec says (%0D, %0A), so a file name with a newline still names the
# file; every other character ``visible`` escapes cannot be carried and is shown escaped.
_OWN_ESCAPES = "\r\n"


def escape_data(text: str) -> str:
    """The message part: GitHub decodes %25, %0D and %0A there."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property also reserves ``:`` and ``,``, which end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(findings: List[Finding], out: TextIO) -> None:
    for f in findings:
        properties = ",".join(
            f"{key}={escape_property(str(value))}"
            for key, value in (
                ("file", visible(f.path.replace("\\", "/"), keep=_OWN_ESCAPES)),
                ("line", f.line),
                ("col", f.column),
                ("endLine", f.end_line),
                ("endColumn", f.end_column),
                ("title", f.code),
            )
        )
        out.write(f"::error {properties}::{escape_data(visible(f.message, keep=_OWN_ESCAPES))}\n")
