"""Imports a fix orphaned are removed, and only those (the CLI side is in fixtures/fixes)."""
from __future__ import annotations

import libcst as cst

from asynclint.fixes.orphaned_imports import drop_orphaned_imports

BEFORE = "import time\nfrom time import monotonic, sleep\n\n\nasync def f():\n    time.sleep(1)\n    sleep(2)\n    return monotonic()\n"
AFTER = "import time\nfrom time import monotonic, sleep\n\n\nasync def f():\n    await asyncio.sleep(1)\n    await asyncio.sleep(2)\n    return monotonic()\n"


def drop(before: str, after: str, is_package: bool) -> str:
    return drop_orphaned_imports(cst.parse_module(before), cst.parse_module(after), is_package)


def test_the_names_a_fix_orphaned_go_and_the_others_stay() -> None:
    out = drop(BEFORE, AFTER, is_package=False)
    assert out == "from time import monotonic\n\n\nasync def f():\n    await asyncio.sleep(1)\n    await asyncio.sleep(2)\n    return monotonic()\n"


def test_a_package_init_keeps_its_imports() -> None:
    assert drop(BEFORE, AFTER, is_package=True) == AFTER


def test_an_import_unused_before_the_fix_is_not_ours_to_remove() -> None:
    before = "import os\n" + BEFORE
    after = "import os\n" + AFTER
    assert drop(before, after, is_package=False).startswith("import os\nfrom time import monotonic\n")


def test_imports_inside_blocks_and_star_imports_stay() -> None:
    before = "try:\n    import time\nexcept ImportError:\n    time = None\nfrom time import *\n\n\nasync def f():\n    time.sleep(1)\n"
    after = before.replace("time.sleep(1)", "await asyncio.sleep(1)")
    assert drop(before, after, is_package=False) == after


def test_a_fix_that_changed_nothing_changes_nothing() -> None:
    assert drop(BEFORE, BEFORE, is_package=False) == BEFORE
