"""The records the run's modules pass between functions have named fields (issue 20), and
they mean what the names say: checked on real workers, real files and a real cache codec."""
from __future__ import annotations

import os
from pathlib import Path

from asynclint.run.cache import stat_of
from asynclint.run.result_codec import decode_result, encode_result
from asynclint.run.check_file import analyze_text
from asynclint.run.workers import Budget, Pool
from asynclint.selection import enabled_codes
from asynclint.settings import Settings


def test_tasks_answer_with_their_result_or_their_failure() -> None:
    """One worker for every task: each start imports LibCST."""
    with Pool(1, Budget(120.0, 0)) as pool:
        answer = pool.call(len, "abc")
        failed = pool.call(int, "not a number")
        outcomes = sorted(pool.map(lambda item: (int, (item,)), ["1", "x", "3"]))
    assert (answer.result, answer.failure) == (3, None)
    assert failed.result is None and failed.failure is not None
    assert failed.failure.kind == "error" and "ValueError" in failed.failure.detail
    assert [(o.index, o.result, o.failure is None) for o in outcomes] == [(0, 1, True), (1, None, False), (2, 3, True)]


def test_a_stat_names_mtime_and_size(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n")
    stat = stat_of(path)
    assert stat is not None and (stat.mtime_ns, stat.size) == (os.stat(path).st_mtime_ns, 6)


def test_a_decoded_entry_names_its_parts(tmp_path: Path) -> None:
    text = "import time\n\nasync def handler():\n    time.sleep(1)\n"
    result = analyze_text(text, "a.py", tmp_path / "a.py", Settings(), enabled_codes(["ALL"], (), ()))
    decoded = decode_result(encode_result(result.findings, result.pending, result.facts), "a.py")
    assert decoded.findings == result.findings and decoded.pending == result.pending
    assert decoded.facts is not None and decoded.facts.functions.keys() == result.facts.functions.keys()
