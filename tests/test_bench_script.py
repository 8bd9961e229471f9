"""The benchmark script's own logic: table, targets, sampling, digests, unpacking, memory
sampling, and one real end-to-end run on a tiny corpus with the installed asynclint.

bench/run.py is a standalone script, not part of the package, so it is loaded from its path.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import random
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "run.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("asynclint_bench_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


bench = _load()


def _m(key: str, seconds: float, files: int = 100, **extra: object):  # type: ignore[no-untyped-def]
    return bench.Measurement(key, key, files, seconds, **extra)


# -- table --------------------------------------------------------------------------------------


def test_table_columns_line_up_and_numbers_align_right() -> None:
    cold = _m("cold", 60.0, 7978, peak_rss=400 * 10**6)
    rows = bench.measurement_rows(
        [cold, _m("warm", 0.9, 7978), _m("flake8", 1440.0, 7978, extrapolated=True)], cold
    )
    table = bench.format_table(bench.TABLE_HEADER, rows, bench.TABLE_RIGHT)
    lines = table.splitlines()
    assert len(lines) == 5
    rule = lines[1]
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == len(bench.TABLE_HEADER)
    # right-aligned columns end at the same place on every line
    ends = [i + len(part) for i, part in zip(starts, rule.split("  "))]
    for line in lines[2:]:
        for end in ends[1:]:
            assert line[end - 1] != " ", line
    assert "flake8 *" in lines[4]
    assert "24.00x" in lines[4] and "0.02x" in lines[3] and "1.00x" in lines[2]
    assert "400 MB" in lines[2]
    assert "7,978" in lines[2]


def test_failed_measurement_shows_failed_and_no_ratio() -> None:
    cold = _m("cold", 10.0)
    rows = bench.measurement_rows([cold, _m("ruff", 0.5, ok=False)], cold)
    assert rows[1][2] == "failed" and rows[1][5] == "-"


def test_findings_summary_picks_the_found_line_over_hints() -> None:
    text = "a.py:1:1: AIO100 x\nFound 3 problems.\n[*] 1 fixable with the `--fix` option.\n"
    assert bench.findings_summary(text) == "Found 3 problems."
    assert bench.findings_summary("") == "no output"


# -- targets ------------------------------------------------------------------------------------


def _statuses(measurements: dict) -> dict:
    return {t.name.split()[0] + " " + t.name.split()[1]: t.status for t in bench.evaluate_targets(measurements, 2)}


def test_targets_pass_fail_and_boundaries() -> None:
    passing = {
        "cold": _m("cold", 39.0, peak_rss=900 * 10**6),
        "floor-cores": _m("floor-cores", 30.0),  # 1.3 x 30 = 39: on the limit passes
        "flake8": _m("flake8", 39.0 * 30),  # exactly 30x
        "warm": _m("warm", 1.5),
        "ruff": _m("ruff", 0.5),
        "one-file": _m("one-file", 2.0),
        "one-facts": _m("one-facts", 2.0),
    }
    targets = bench.evaluate_targets(passing, 2)
    assert [t.status for t in targets] == ["PASS"] * 7, [bench.format_target(t) for t in targets]

    failing = dict(passing)
    failing["cold"] = _m("cold", 39.1, peak_rss=bench.PEAK_BYTES + 1)
    failing["warm"] = _m("warm", 1.51)
    failing["one-file"] = _m("one-file", 2.01)
    failing["one-facts"] = _m("one-facts", 2.01)
    targets = bench.evaluate_targets(failing, 2)
    assert [t.status for t in targets] == ["FAIL"] * 7, [bench.format_target(t) for t in targets]


def test_targets_without_peers_are_skipped_not_passed() -> None:
    measured = {"cold": _m("cold", 5.0, peak_rss=10**8), "warm": _m("warm", 0.4), "one-file": _m("one-file", 0.5),
                "one-facts": _m("one-facts", 0.6)}
    by_name = {t.name: t.status for t in bench.evaluate_targets(measured, 2)}
    skipped = [name for name, status in by_name.items() if status == "SKIP"]
    assert len(skipped) == 3  # floor, flake8, ruff
    assert all(status == "PASS" for name, status in by_name.items() if name not in skipped)


def test_a_failed_cold_run_skips_what_depends_on_it() -> None:
    measured = {"cold": _m("cold", 5.0, ok=False), "flake8": _m("flake8", 100.0), "floor-cores": _m("floor-cores", 1.0)}
    targets = bench.evaluate_targets(measured, 2)
    assert targets[0].status == "SKIP" and targets[1].status == "SKIP"


def test_target_line_reads_as_value_and_limit() -> None:
    target = bench.evaluate_targets({"warm": _m("warm", 2.0)}, 2)[2]
    assert bench.format_target(target) == "FAIL  warm <= 1.5 s: 2.00 s (limit <= 1.50 s)"


# -- sampling and file lists ----------------------------------------------------------------------


def test_sample_is_deterministic_spread_and_sized() -> None:
    paths = [f"homeassistant/components/c{i:04d}/m{i % 7}.py" for i in range(7978)]
    shuffled = list(paths)
    random.Random(4).shuffle(shuffled)
    sample = bench.deterministic_sample(paths, 500)
    assert sample == bench.deterministic_sample(shuffled, 500)
    assert len(sample) == 500 and len(set(sample)) == 500
    assert sample == sorted(sample)
    ordered = sorted(paths)
    positions = [ordered.index(p) for p in sample]
    assert positions[0] < 16 and positions[-1] > len(ordered) - 16  # from the start to the end
    gaps = {b - a for a, b in zip(positions, positions[1:])}
    assert gaps <= {15, 16}  # evenly spaced


def test_sample_of_a_small_corpus_is_the_whole_corpus() -> None:
    assert bench.deterministic_sample(["b.py", "a.py"], 500) == ["a.py", "b.py"]


def test_list_sources_skips_directories_every_tool_excludes(tmp_path: Path) -> None:
    for name in ["pkg/a.py", "pkg/b.pyi", "pkg/notes.txt", "build/gen.py", "pkg/.venv/x.py", "pkg/__pycache__/a.py", "z.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    assert bench.list_sources(tmp_path) == ["pkg/a.py", "pkg/b.pyi", "z.py"]
    assert bench.touch_candidate(["c.py", "a.py", "b.py"]) == "b.py"


# -- digests and unpacking ------------------------------------------------------------------------


def _archive(module: ModuleType, path: Path, prefix: str, strip: bool) -> "tuple":
    digest = module.sha256_of(path)
    archive = module.Archive("pkg==1.0", path.name, digest, ())
    return module.Corpus("t", "t", archive, prefix, strip_prefix=strip), archive


def test_digest_check_accepts_only_the_pinned_bytes(tmp_path: Path) -> None:
    file = tmp_path / "pkg-1.0.tar.gz"
    file.write_bytes(b"release bytes")
    digest = bench.sha256_of(file)
    assert digest == hashlib.sha256(b"release bytes").hexdigest()
    assert bench.has_digest(file, digest) and bench.has_digest(file, digest.upper())
    assert not bench.has_digest(file, "0" * 64)
    assert not bench.has_digest(tmp_path / "missing.whl", digest)


def test_a_cached_download_with_the_pinned_digest_is_reused_without_pip(tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    cached = downloads / "pkg-1.0-py3-none-any.whl"
    cached.write_bytes(b"the wheel")
    archive = bench.Archive("no-such-package-asynclint-bench==1.0", cached.name, bench.sha256_of(cached), ())
    assert bench.fetch_archive(archive, tmp_path) == cached  # a pip call would fail for this name


def test_wheel_unpacks_only_the_package_sources_and_refuses_escapes(tmp_path: Path) -> None:
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zipped:
        zipped.writestr("pkg/__init__.py", "")
        zipped.writestr("pkg/sub/mod.py", "async def f(): pass\n")
        zipped.writestr("pkg/data.json", "{}")
        zipped.writestr("pkg/../evil.py", "boom")
        zipped.writestr("pkg-1.0.dist-info/METADATA", "x")
    corpus, _ = _archive(bench, wheel, "pkg/", strip=False)
    root = bench.extract_corpus(corpus, wheel, tmp_path / "cache")
    assert bench.list_sources(root) == ["pkg/__init__.py", "pkg/sub/mod.py"]
    assert not (tmp_path / "cache" / "corpora" / "evil.py").exists()
    # a second call trusts the marker and leaves the tree alone
    (root / "pkg" / "sub" / "mod.py").write_text("changed\n")
    assert bench.extract_corpus(corpus, wheel, tmp_path / "cache") == root
    assert (root / "pkg" / "sub" / "mod.py").read_text() == "changed\n"


def test_sdist_unpacks_below_its_top_directory(tmp_path: Path) -> None:
    sdist = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tarred:
        for name, text in [("pkg-1.0/pkg/__init__.py", ""), ("pkg-1.0/tests/test_a.py", "def test(): pass\n"), ("pkg-1.0/README", "hi")]:
            info = tarfile.TarInfo(name)
            data = text.encode()
            info.size = len(data)
            tarred.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("pkg-1.0/pkg/link.py")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tarred.addfile(link)
    corpus, _ = _archive(bench, sdist, "pkg-1.0/", strip=True)
    root = bench.extract_corpus(corpus, sdist, tmp_path / "cache")
    assert bench.list_sources(root) == ["pkg/__init__.py", "tests/test_a.py"]


# -- measuring ------------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="tree sampling reads /proc")
def test_peak_memory_covers_grandchildren(tmp_path: Path) -> None:
    """wait4 alone would see only the small parent; the sampler must see the 150 MB child."""
    code = (
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'b = bytearray(150 * 10**6); b[::4096] = b\"x\" * len(b[::4096]); "
        "import time; time.sleep(0.4)'], check=True)\n"
    )
    outcome = bench.timed_run([sys.executable, "-c", code], tmp_path, tmp_path, "mem")
    assert outcome.returncode == 0
    assert outcome.peak_rss >= 150 * 10**6
    assert outcome.seconds >= 0.4


# -- end to end -----------------------------------------------------------------------------------


def _asynclint() -> str:
    beside = Path(sys.executable).parent / "asynclint"
    found = str(beside) if beside.is_file() else None
    if found is None:
        import shutil

        found = shutil.which("asynclint")
    if found is None:
        pytest.skip("asynclint is not installed")
    return found


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    corpus = tmp_path_factory.mktemp("tiny") / "proj"
    files = {
        "pkg/__init__.py": "",
        "pkg/consts.py": "X = 1\n",
        "pkg/io.py": "import time\n\ndef pause():\n    time.sleep(1)\n",
        "pkg/loop.py": "import asyncio\nfrom pkg.io import pause\n\nasync def main():\n    pause()\n    asyncio.create_task(main())\n",
        "build/skipped.py": "import time\nasync def f():\n    time.sleep(1)\n",
    }
    for name, text in files.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text)
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    out = tmp_path_factory.mktemp("out") / "bench.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--corpus-path", str(corpus), "--skip-peers", "--jobs", "2",
         "--asynclint", _asynclint(), "--json", str(out), "--cache-dir", str(tmp_path_factory.mktemp("cache"))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120,
    )
    after = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    return {"done": done, "json": json.loads(out.read_text()) if out.exists() else None, "before": before, "after": after}


def test_end_to_end_measures_asynclint_and_the_floor(tiny_run: dict) -> None:
    done = tiny_run["done"]
    assert done.returncode in (0, 1), done.stderr  # 1: a timing target missed on a busy machine
    report = tiny_run["json"]["corpora"][0]
    assert report["files"] == 4  # build/ is left out for every tool
    keys = [m["key"] for m in report["measurements"]]
    assert keys == ["cold", "warm", "one-file", "one-facts", "floor-wall", "floor-cores"]
    for m in report["measurements"]:
        assert m["ok"] and m["seconds"] > 0
    cold, warm, one, facts = report["measurements"][:4]
    assert cold["note"].startswith("Found ") and warm["note"] == cold["note"] == one["note"] == facts["note"]
    assert cold["peak_rss"] > 10**6 and cold["ratio_to_cold"] == 1.0
    assert not any("differs" in note for note in report["notes"]), report["notes"]
    floor = next(m for m in report["measurements"] if m["key"] == "floor-cores")
    before, after = (float(x) for x in re.findall(r"\((\d+\.\d+) s\)", floor["note"]))
    assert "mean of the runs before" in floor["note"] and abs(floor["seconds"] - (before + after) / 2) < 0.01
    statuses = {t["name"]: t["status"] for t in report["targets"]}
    assert statuses["cold >= 30x faster than flake8-async"] == "SKIP"
    assert "asynclint cold (cache cleared)" in done.stdout and "targets:" in done.stdout


def test_end_to_end_floor_counts_the_files_asynclint_parses(tiny_run: dict) -> None:
    floor = next(m for m in tiny_run["json"]["corpora"][0]["measurements"] if m["key"] == "floor-wall")
    try:
        from asynclint.run.prefilter import needs_parse
    except ImportError:
        assert floor["files"] == 4
        return
    sources = ["", "X = 1\n", "import time\n\ndef pause():\n    time.sleep(1)\n",
               "import asyncio\nfrom pkg.io import pause\n\nasync def main():\n    pause()\n    asyncio.create_task(main())\n"]
    assert floor["files"] == sum(1 for text in sources if needs_parse(text.encode()))


def test_end_to_end_leaves_the_corpus_untouched(tiny_run: dict) -> None:
    assert tiny_run["after"] == tiny_run["before"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--corpus-path", "/nonexistent/asynclint-bench"], "not a directory"),
        (["--asynclint", "/nonexistent/asynclint", "--corpus-path", "."], "asynclint not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list, message: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--skip-peers", "--cache-dir", str(tmp_path), *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bench: error:") and message in lines[0]
    assert "Traceback" not in done.stderr
