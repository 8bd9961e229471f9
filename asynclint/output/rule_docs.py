"""Rule pages (``rules/*.md``, shipped as ``asynclint.rule_pages``) for --explain and SARIF.

The pages are found by code at run time rather than listed, so a missing page degrades to
the rule's one-line summary instead of breaking ``--explain`` or a SARIF report.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

from asynclint.codes import RULES, RuleInfo


@lru_cache(maxsize=1)
def _pages() -> Dict[str, str]:
    """Page text by upper-case code, from every ``*.md`` whose name starts with a code."""
    try:
        from importlib.resources import files

        root = files("asynclint.rule_pages")
        entries = list(root.iterdir())
    except (ImportError, OSError, TypeError, ValueError):  # package absent or not a directory
        # Imported from a source checkout rather than installed: the pages are in rules/.
        checkout = Path(__file__).resolve().parent.parent / "rules"
        entries = sorted(checkout.glob("*.md")) if checkout.is_dir() else []
    out: Dict[str, str] = {}
    for entry in entries:
        name = entry.name
        if not name.lower().endswith(".md"):
            continue
        code = name[:6].upper()
        if code in RULES and (len(name) == 9 or not name[6].isalnum()):
            try:
                out[code] = entry.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return out


def rule_page(code: str) -> Optional[str]:
    """The Markdown page for ``code``, or None when it is not shipped."""
    return _pages().get(code.upper())


def fallback_page(rule: RuleInfo) -> str:
    fix = {"safe": "a safe fix", "unsafe": "an unsafe fix (needs --unsafe-fixes)"}.get(rule.fix or "", "no automatic fix")
    default = "on" if rule.default else "off"
    return f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\nDefault: {default}; {fix}.\n"


def page_or_summary(code: str) -> str:
    """The rule's page, or a short generated one if the page is missing."""
    return rule_page(code) or fallback_page(RULES[code])
