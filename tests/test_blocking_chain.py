"""AIO110's message names the first blocking call of the helper it reaches, as its page says."""
from __future__ import annotations

from pathlib import Path

from conftest import run_cli


def test_the_chain_cites_the_helpers_first_blocking_call(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    (tmp_path / "helpers.py").write_text(
        "import subprocess\nimport time\n\n\ndef slow():\n    time.sleep(1)\n    subprocess.run(['true'])\n"
    )
    (tmp_path / "app.py").write_text("from helpers import slow\n\n\nasync def main():\n    slow()\n")
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    assert "calls helpers.slow -> time.sleep (helpers.py:6)" in done.stdout, done.stdout
