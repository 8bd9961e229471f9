#!/usr/bin/env python3
"""Benchmark asynclint against its LibCST parse floor, ruff and flake8-async on real corpora.

Standalone on purpose (standard library only, Python 3.9+): it must run from a clean clone
before anything but asynclint itself is installed, and it installs the peers it compares
against into its own virtual environment in the cache directory, never into the project's.

Every tool runs on the same copy of the corpus in a temporary directory, so neither the
asynclint cache nor the "touch one file" step ever changes the cached originals. Run
``python bench/run.py --help`` for the options; bench/README.md explains the figures.

Exit codes: 0 every target held, 1 a target failed (or a measured tool failed), 2 the
benchmark itself could not run (bad option, download or install failure).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Sequence, Tuple

# -- what is measured ----------------------------------------------------------------------

# Peers, pinned so that figures tracked over time compare like with like.
PEER_PINS: Dict[str, str] = {"ruff": "0.17.6", "flake8": "7.5.0", "flake8-async": "26.8.1"}

SOURCE_SUFFIXES = (".py", ".pyi")
# Directory names any of the measured tools skips by default (asynclint's, ruff's and
# flake8's defaults together). Leaving them out of the work copy means every tool sees
# exactly the same files when it is pointed at the directory.
EXCLUDED_DIRS = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
        ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
        ".vscode", "CVS", "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist",
        "node_modules", "site-packages", "venv", ".asynclint_cache",
    }
)
TOUCH_SUFFIX = b"\n# asynclint-bench: touched\n"
# A new function: the edited file now tells the project index something new, so the files
# that looked that entry up are linked again (the comment above changes no index fact).
FACTS_SUFFIX = b"\n\ndef _asynclint_bench_added():\n    return None\n"
GB = 10**9  # the memory target is read conservatively, in decimal gigabytes

# The targets, measured on Home Assistant on the 2-core machine.
COLD_VS_FLOOR = 1.3
COLD_VS_FLAKE8 = 30.0
WARM_SECONDS = 1.5
WARM_VS_RUFF = 3.0
ONE_FILE_SECONDS = 2.0
PEAK_BYTES = 1 * GB


@dataclass(frozen=True)
class Archive:
    """A pinned release file: pip fetches it, the recorded digest proves it is the same one."""

    requirement: str
    filename: str
    sha256: str
    pip_args: Tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    name: str
    title: str
    archive: Optional[Archive]  # None: a local directory given with --corpus-path
    member_prefix: str  # the part of the archive that is the corpus
    strip_prefix: bool = False  # an sdist's top directory is not part of the package paths


CORPORA: Dict[str, Corpus] = {
    "ha": Corpus(
        "ha",
        "homeassistant 2025.4.4 (wheel)",
        Archive(
            "homeassistant==2025.4.4",
            "homeassistant-2025.4.4-py3-none-any.whl",
            "b7970fe3ce3a9d032a3a5dee3cbf71b227e7f23fad14a23855ee252542ef2631",
            ("--only-binary=:all:", "--python-version", "3.13"),
        ),
        "homeassistant/",
    ),
    "aiohttp": Corpus(
        "aiohttp",
        "aiohttp 3.14.5 (sdist)",
        Archive(
            "aiohttp==3.14.5",
            "aiohttp-3.14.5.tar.gz",
            "5558a7f5a05af9ecf744af91e5baefc436f93c9333e656c27ec253f9a6bbe178",
            ("--no-binary=:all:",),
        ),
        "aiohttp-3.14.5/",
        strip_prefix=True,
    ),
}


class BenchError(Exception):
    """The benchmark cannot go on; main() prints the one-line message and exits 2."""


# -- pure helpers (tested directly) ----------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def has_digest(path: Path, expected: str) -> bool:
    """Whether ``path`` exists with the pinned digest; a cached file is trusted only then."""
    return path.is_file() and sha256_of(path) == expected.lower()


def list_sources(root: Path) -> List[str]:
    """Sorted POSIX paths (relative to ``root``) of the Python files every tool will check."""
    found: List[str] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in EXCLUDED_DIRS)
        base = Path(directory).relative_to(root)
        for name in files:
            if name.endswith(SOURCE_SUFFIXES):
                found.append((base / name).as_posix())
    found.sort()
    return found


def deterministic_sample(paths: Sequence[str], size: int) -> List[str]:
    """Evenly spaced paths of the sorted list (the middle of each of ``size`` equal slices):
    the same files on every machine and run, spread over the whole tree from the first
    package to the last rather than bunched at its start."""
    ordered = sorted(paths)
    if size <= 0:
        return []
    if len(ordered) <= size:
        return ordered
    count = len(ordered)
    return [ordered[(2 * i + 1) * count // (2 * size)] for i in range(size)]


def touch_candidate(paths: Sequence[str]) -> str:
    """The file edited for the one-file-changed run: the middle of the sorted list, so it is
    neither a package root imported everywhere nor a special first or last file."""
    if not paths:
        raise BenchError("the corpus has no Python files")
    ordered = sorted(paths)
    return ordered[len(ordered) // 2]


@dataclass
class Measurement:
    key: str  # cold, warm, one-file, one-facts, floor-wall, floor-cores, ruff, flake8
    label: str
    files: int
    seconds: float
    peak_rss: Optional[int] = None  # bytes, summed over the process tree
    peak_pss: Optional[int] = None  # bytes, proportional set size over the tree, where readable
    extrapolated: bool = False
    note: str = ""
    ok: bool = True

    @property
    def files_per_second(self) -> Optional[float]:
        return self.files / self.seconds if self.seconds > 0 else None


@dataclass
class Target:
    name: str
    value: Optional[float]
    limit: Optional[float]
    unit: str
    status: str  # PASS, FAIL or SKIP
    detail: str = ""


def _check(name: str, value: Optional[float], limit: Optional[float], unit: str, detail: str, at_least: bool = False) -> Target:
    if value is None or limit is None:
        return Target(name, value, limit, unit, "SKIP", detail or "not measured")
    passed = value >= limit if at_least else value <= limit
    return Target(name, value, limit, unit, "PASS" if passed else "FAIL", detail)


_ASYNCLINT_RUNS = ("cold", "warm", "one-file", "one-facts")


def evaluate_targets(measurements: Dict[str, Measurement], jobs: int) -> List[Target]:
    """The issue's targets, each PASS, FAIL or SKIP (a figure it needs was not measured)."""

    def seconds(key: str) -> Optional[float]:
        m = measurements.get(key)
        return m.seconds if m is not None and m.ok else None

    cold, warm, one, ruff = seconds("cold"), seconds("warm"), seconds("one-file"), seconds("ruff")
    facts = seconds("one-facts")
    floor = seconds("floor-cores")
    flake8 = seconds("flake8")
    targets = [
        _check(
            f"cold <= {COLD_VS_FLOOR} x parse floor / {jobs} cores",
            cold,
            COLD_VS_FLOOR * floor if floor is not None else None,
            "s",
            f"floor/cores {floor:.2f} s" if floor is not None else "",
        ),
        _check(
            f"cold >= {COLD_VS_FLAKE8:g}x faster than flake8-async",
            flake8 / cold if flake8 is not None and cold else None,
            COLD_VS_FLAKE8 if flake8 is not None and cold else None,
            "x",
            "flake8 time extrapolated from its sample" if flake8 is not None and measurements["flake8"].extrapolated else "",
            at_least=True,
        ),
        _check(f"warm <= {WARM_SECONDS} s", warm, WARM_SECONDS, "s", ""),
        _check(
            f"warm <= {WARM_VS_RUFF:g} x ruff cold",
            warm,
            WARM_VS_RUFF * ruff if ruff is not None else None,
            "s",
            f"ruff {ruff:.2f} s" if ruff is not None else "",
        ),
        _check(f"one file changed <= {ONE_FILE_SECONDS} s", one, ONE_FILE_SECONDS, "s", ""),
        _check(f"one file's index facts changed <= {ONE_FILE_SECONDS} s", facts, ONE_FILE_SECONDS, "s", ""),
    ]
    peaks = [m.peak_rss for k, m in measurements.items() if k in _ASYNCLINT_RUNS and m.peak_rss]
    targets.append(
        _check(
            "peak memory <= 1 GB",
            float(max(peaks)) if peaks else None,
            float(PEAK_BYTES),
            "B",
            "RSS summed over the asynclint process tree" if peaks else "",
        )
    )
    return targets


def format_bytes(value: Optional[float]) -> str:
    """Decimal megabytes, the unit the memory target (1 GB) is stated in."""
    if value is None:
        return "-"
    return f"{value / 10**6:,.0f} MB"


def format_rate(value: Optional[float]) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Columns padded to their widest cell; numbers right-aligned so digits line up."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [str(c).rjust(w) if r else str(c).ljust(w) for c, w, r in zip(cells, widths, right)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def measurement_rows(measurements: Sequence[Measurement], cold: Optional[Measurement]) -> List[List[str]]:
    rows = []
    for m in measurements:
        rate = m.files_per_second
        ratio = "-"
        if cold is not None and cold.ok and cold.seconds > 0 and m.ok:
            ratio = f"{m.seconds / cold.seconds:.2f}x"
        rows.append(
            [
                m.label + (" *" if m.extrapolated else ""),
                f"{m.files:,}",
                f"{m.seconds:.2f}" if m.ok else "failed",
                format_rate(rate) if m.ok else "-",
                format_bytes(m.peak_rss),
                ratio,
            ]
        )
    return rows


TABLE_HEADER = ["measurement", "files", "seconds", "files/s", "peak RSS", "vs cold"]
TABLE_RIGHT = [False, True, True, True, True, True]


def format_target(target: Target) -> str:
    def show(value: Optional[float]) -> str:
        if value is None:
            return "-"
        if target.unit == "B":
            return format_bytes(value)
        return f"{value:.2f}{'x' if target.unit == 'x' else ' s'}"

    relation = ">=" if target.unit == "x" else "<="
    text = f"{target.status:4}  {target.name}: {show(target.value)} (limit {relation} {show(target.limit)})"
    return text + (f"; {target.detail}" if target.detail else "")


# -- measuring a child process tree ----------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children(pid: int) -> List[int]:
    kids: List[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                kids.extend(int(x) for x in handle.read().split())
        except (OSError, ValueError):
            continue
    return kids


def _tree(pid: int) -> List[int]:
    seen, todo = [], [pid]
    while todo:
        current = todo.pop()
        seen.append(current)
        todo.extend(_children(current))
    return seen


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _pss(pid: int) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class TreeSampler(threading.Thread):
    """Peak memory of a process and all its descendants (worker pools included).

    wait4's ru_maxrss covers only the direct child, so the tree's resident sizes are summed
    every 50 ms; fork-shared pages count once per process, which errs on the high side.
    The proportional set size (shared pages split) is sampled less often, as it costs more.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss: Optional[int] = None
        self._halt = threading.Event()

    def run(self) -> None:
        tick = 0
        while not self._halt.is_set():
            pids = _tree(self.pid)
            self.peak_rss = max(self.peak_rss, sum(_rss(p) for p in pids))
            if tick % 5 == 0:
                values = [_pss(p) for p in pids]
                if any(v is not None for v in values):
                    total = sum(v or 0 for v in values)
                    self.peak_pss = max(self.peak_pss or 0, total)
            tick += 1
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class RunOutcome:
    seconds: float
    returncode: int
    peak_rss: int
    peak_pss: Optional[int]
    stdout: Path
    stderr: Path


def timed_run(argv: Sequence[str], cwd: Path, logs: Path, tag: str, env: Optional[Dict[str, str]] = None) -> RunOutcome:
    """Run one command to completion; wall seconds and peak memory of its whole tree."""
    out, err = logs / f"{tag}.out", logs / f"{tag}.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(list(argv), cwd=str(cwd), stdout=stdout, stderr=stderr, env=env)
        except OSError as error:
            raise BenchError(f"cannot run {argv[0]}: {error.strerror or error}") from None
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
    code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
    proc.returncode = code  # reaped by wait4 already; keeps Popen from waiting again
    own_peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return RunOutcome(seconds, code, max(sampler.peak_rss, own_peak), sampler.peak_pss, out, err)


def last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


# -- fetching corpora and peers ---------------------------------------------------------------


def fetch_archive(archive: Archive, cache: Path) -> Path:
    """The pinned file in the cache, downloaded by pip (hash-checked) unless already there."""
    downloads = cache / "downloads"
    target = downloads / archive.filename
    if has_digest(target, archive.sha256):
        return target
    if target.exists():
        print(f"bench: {archive.filename}: digest differs from the pinned one; downloading again", file=sys.stderr)
        target.unlink()
    downloads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=downloads) as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(f"{archive.requirement} --hash=sha256:{archive.sha256}\n")
        argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                "-d", scratch, "-r", str(requirements), *archive.pip_args]
        print(f"bench: downloading {archive.requirement} ...", file=sys.stderr)
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        got = Path(scratch) / archive.filename
        if done.returncode != 0 or not got.is_file():
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise BenchError(f"cannot download {archive.requirement}: {reason} (no network? try --corpus-path DIR)")
        if not has_digest(got, archive.sha256):
            raise BenchError(f"{archive.filename}: sha256 differs from the pinned {archive.sha256}")
        os.replace(got, target)
    return target


def _safe_member(name: str, prefix: str) -> Optional[str]:
    """The member's path inside the corpus, or None for anything that is not a source file
    under the prefix (including absolute or parent-relative names)."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not name.startswith(prefix):
        return None
    if not name.endswith(SOURCE_SUFFIXES):
        return None
    return name


def extract_corpus(corpus: Corpus, archive_path: Path, cache: Path) -> Path:
    """Unpack the corpus's Python files once; a marker records which archive they came from."""
    assert corpus.archive is not None
    root = cache / "corpora" / corpus.name
    marker = root / ".asynclint-bench-source"
    if marker.is_file() and marker.read_text().strip() == corpus.archive.sha256:
        return root
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    keep_from = len(corpus.member_prefix) if corpus.strip_prefix else 0
    if archive_path.name.endswith(".whl"):
        with zipfile.ZipFile(archive_path) as zipped:
            for info in zipped.infolist():
                name = _safe_member(info.filename, corpus.member_prefix)
                if name is None or info.is_dir():
                    continue
                dest = root / name[keep_from:]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zipped.read(info))
    else:
        with tarfile.open(archive_path) as tarred:
            for member in tarred.getmembers():
                name = _safe_member(member.name, corpus.member_prefix)
                if name is None or not member.isfile():
                    continue
                handle = tarred.extractfile(member)
                if handle is None:
                    continue
                dest = root / name[keep_from:]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(handle.read())
    marker.write_text(corpus.archive.sha256 + "\n")
    return root


def _venv_bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def ensure_peers(cache: Path) -> Path:
    """The benchmark's own virtual environment with the pinned peers; reused when it matches."""
    venv = cache / "peers-venv"
    marker = venv / "asynclint-bench-peers.json"
    wanted = {"python": platform.python_version(), "pins": PEER_PINS}
    try:
        if json.loads(marker.read_text()) == wanted:
            return venv
    except (OSError, ValueError):
        pass
    if venv.exists():
        shutil.rmtree(venv)
    print("bench: installing peers " + ", ".join(f"{k}=={v}" for k, v in PEER_PINS.items()) + " ...", file=sys.stderr)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(_venv_bin(venv) / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         *(f"{name}=={version}" for name, version in PEER_PINS.items())],
    ]
    for argv in steps:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise BenchError(f"cannot set up the peers' environment: {reason}")
    marker.write_text(json.dumps(wanted))
    return venv


# -- the tool under test ----------------------------------------------------------------------


def default_asynclint() -> Optional[str]:
    beside = Path(sys.executable).parent / ("asynclint.exe" if os.name == "nt" else "asynclint")
    if beside.is_file():
        return str(beside)
    return shutil.which("asynclint")


def tool_python(asynclint: str) -> str:
    """The interpreter asynclint runs on (its script's shebang): the parse floor must use the
    same Python and the same libcst as the tool, and this is where they are installed."""
    try:
        with open(asynclint, "rb") as handle:
            first = handle.readline(512).decode("utf-8", "replace").strip()
    except OSError:
        first = ""
    if first.startswith("#!"):
        candidate = first[2:].strip().split()[0] if first[2:].strip() else ""
        if candidate and os.path.basename(candidate).startswith("python") and os.path.isfile(candidate):
            return candidate
    return sys.executable


def describe_tool(asynclint: str, python: str) -> Dict[str, str]:
    probe = (
        "import json, importlib.metadata as m\n"
        "import libcst\n"
        "try:\n    from asynclint.run.prefilter import needs_parse; p = True\nexcept Exception:\n    p = False\n"
        "print(json.dumps({'libcst': m.version('libcst'), 'prefilter': p}))\n"
    )
    done = subprocess.run([python, "-c", probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise BenchError(f"{python}: cannot import libcst and asynclint: {last_nonempty(done.stderr)}")
    info = json.loads(done.stdout)
    version = subprocess.run([asynclint, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if version.returncode != 0:
        raise BenchError(f"{asynclint} --version failed: {last_nonempty(version.stderr)}")
    return {"asynclint": version.stdout.strip(), "libcst": info["libcst"], "prefilter": str(info["prefilter"]).lower(), "python": python}


def last_nonempty(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


# -- the parse floor (runs in the tool's interpreter: run.py --parse-floor LIST) ----------------


def _floor_init() -> None:
    import libcst  # noqa: F401  (imported before the pool forks where fork is used)


def _floor_parse(path: str) -> Tuple[float, bool]:
    import libcst

    start = time.perf_counter()
    try:
        with open(path, "rb") as handle:
            libcst.parse_module(handle.read())
        ok = True
    except Exception:  # a syntax error is part of the corpus, not of the benchmark
        ok = False
    return time.perf_counter() - start, ok


def parse_floor_main(list_file: str, jobs: int) -> int:
    """Read a file list, keep what asynclint would parse, parse it in a pool; JSON to stdout."""
    import multiprocessing

    import libcst  # noqa: F401

    paths = Path(list_file).read_text().splitlines()
    try:
        from asynclint.run.prefilter import needs_parse  # type: ignore[import-not-found]
    except Exception:
        needs_parse = None
    selected = paths
    prefilter = "none (every file counts)"
    if needs_parse is not None:
        try:
            selected = [p for p in paths if needs_parse(Path(p).read_bytes())]
            prefilter = "asynclint.run.prefilter.needs_parse"
        except TypeError as error:
            selected, prefilter = paths, f"needs_parse unusable ({error}); every file counts"
    context = multiprocessing.get_context("fork" if os.name != "nt" else "spawn")
    start = time.perf_counter()
    with context.Pool(jobs, _floor_init) as pool:
        results = pool.map(_floor_parse, selected, chunksize=max(1, min(64, len(selected) // (jobs * 8) or 1)))
    wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "considered": len(paths),
                "parsed": len(selected),
                "failed": sum(1 for _, ok in results if not ok),
                "wall": wall,
                "serial": sum(seconds for seconds, _ in results),
                "prefilter": prefilter,
            }
        )
    )
    return 0


# -- one corpus ---------------------------------------------------------------------------------


@dataclass
class CorpusReport:
    name: str
    title: str
    files: int
    lines: int
    jobs: int
    touched: str
    measurements: List[Measurement] = field(default_factory=list)
    targets: List[Target] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def prepare_work_copy(source_root: Path, files: Sequence[str], work: Path) -> int:
    """Copy the corpus's files (only them) to the work directory; returns the line count.

    A pyproject.toml with an empty ``[tool.asynclint]`` table makes the work directory the
    project root, so asynclint's cache lands there and no configuration from above applies.
    """
    lines = 0
    for relative in files:
        data = (source_root / relative).read_bytes()
        lines += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        dest = work / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    (work / "pyproject.toml").write_text("[tool.asynclint]\n")
    return lines


def findings_summary(text: str) -> str:
    """asynclint's "Found N problems." line (or its last line): shows the runs agree."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith(("Found ", "No problems", "All checks")):
            return line
    return lines[-1] if lines else "no output"


def bench_corpus(
    corpus: Corpus, source_root: Path, asynclint: str, tool_py: str, peers: Optional[Path], jobs: int,
    flake8_sample: int, scratch: Path,
) -> CorpusReport:
    files = list_sources(source_root)
    if not files:
        raise BenchError(f"{source_root}: no Python files")
    work = scratch / corpus.name
    logs = scratch / f"{corpus.name}-logs"
    work.mkdir(parents=True)
    logs.mkdir(parents=True)
    lines = prepare_work_copy(source_root, files, work)
    touched = touch_candidate(files)
    report = CorpusReport(corpus.name, corpus.title, len(files), lines, jobs, touched)
    busy = warn_if_busy("before the runs")
    if busy:
        report.notes.append(busy)
    progress = lambda what: print(f"bench: {corpus.name}: {what} ...", file=sys.stderr, flush=True)  # noqa: E731

    def asynclint_run(key: str, label: str) -> Tuple[Measurement, RunOutcome]:
        progress(label)
        outcome = timed_run([asynclint, "--exit-zero", "-j", str(jobs), "."], work, logs, key)
        ok = outcome.returncode == 0
        note = findings_summary(outcome.stdout.read_text(errors="replace")) if ok else f"exit {outcome.returncode}: {last_line(outcome.stderr)}"
        m = Measurement(key, label, len(files), outcome.seconds, outcome.peak_rss, outcome.peak_pss, note=note, ok=ok)
        report.measurements.append(m)
        return m, outcome

    list_file = logs / "files.txt"
    list_file.write_text("".join(str(work / f) + "\n" for f in files))

    def floor_run(tag: str) -> Tuple[Optional[dict], RunOutcome]:
        outcome = timed_run([tool_py, str(Path(__file__).resolve()), "--parse-floor", str(list_file), "--jobs", str(jobs)], work, logs, tag)
        try:
            return (json.loads(last_line(outcome.stdout)) if outcome.returncode == 0 else None), outcome
        except ValueError:
            return None, outcome

    # The floor is parsed on both sides of the asynclint runs: this machine's speed drifts by
    # up to a third within minutes, and one side alone would put it all into the ratio.
    progress("LibCST parse floor, before asynclint")
    floor_before, _ = floor_run("floor-before")
    shutil.rmtree(work / ".asynclint_cache", ignore_errors=True)
    cold, cold_out = asynclint_run("cold", "asynclint cold (cache cleared)")
    if cold.ok and not (work / ".asynclint_cache").exists():
        report.notes.append("the cold run wrote no .asynclint_cache: the warm and one-file runs had no cache to use")
    _, warm_out = asynclint_run("warm", "asynclint warm (nothing changed)")
    original = (work / touched).read_bytes()
    try:
        (work / touched).write_bytes(original + TOUCH_SUFFIX)
        _, one_out = asynclint_run("one-file", "asynclint one file changed")
        (work / touched).write_bytes(original + FACTS_SUFFIX)
        _, facts_out = asynclint_run("one-facts", "asynclint one file's index facts changed")
    finally:
        (work / touched).write_bytes(original)
    reference = cold_out.stdout.read_bytes()
    for outcome, what in ((warm_out, "warm"), (one_out, "one-file"), (facts_out, "one-facts")):
        if outcome.returncode == 0 and outcome.stdout.read_bytes() != reference:
            report.notes.append(f"asynclint {what} output differs from the cold run's (--keep-work keeps {outcome.stdout.name})")

    progress("LibCST parse floor, after asynclint")
    floor, floor_out = floor_run("floor")
    if floor is None:
        report.measurements.append(
            Measurement("floor-wall", f"libcst parse floor, pool of {jobs}", len(files), floor_out.seconds, floor_out.peak_rss,
                        note=f"exit {floor_out.returncode}: {last_line(floor_out.stderr)}", ok=False)
        )
    else:
        note = f"{floor['parsed']:,} of {floor['considered']:,} files parsed ({floor['prefilter']})"
        if floor["failed"]:
            note += f"; {floor['failed']} did not parse"
        report.measurements.append(
            Measurement("floor-wall", f"libcst parse floor, pool of {jobs}", floor["parsed"], floor["wall"], floor_out.peak_rss, floor_out.peak_pss, note=note)
        )
        serial, note = floor["serial"], "the issue's 'parse floor / cores'"
        if floor_before is not None:
            serial = (floor_before["serial"] + floor["serial"]) / 2
            note += (f"; mean of the runs before ({floor_before['serial'] / jobs:.2f} s) and after "
                     f"({floor['serial'] / jobs:.2f} s) asynclint's, which the machine's drift sets apart")
        report.measurements.append(
            Measurement("floor-cores", f"libcst parse floor, serial sum / {jobs}", floor["parsed"], serial / jobs, note=note)
        )

    if peers is not None:
        bindir = _venv_bin(peers)
        env = dict(os.environ, RAYON_NUM_THREADS=str(jobs))
        progress("ruff")
        ruff = timed_run([str(bindir / "ruff"), "check", "--no-cache", "--isolated", "--select", "ASYNC,RUF006", "--exit-zero", "."], work, logs, "ruff", env)
        report.measurements.append(
            Measurement("ruff", f"ruff {PEER_PINS['ruff']} --select ASYNC,RUF006", len(files), ruff.seconds, ruff.peak_rss, ruff.peak_pss,
                        note=last_line(ruff.stdout) if ruff.returncode == 0 else f"exit {ruff.returncode}: {last_line(ruff.stderr)}", ok=ruff.returncode == 0)
        )
        sample = deterministic_sample(files, flake8_sample)
        progress(f"flake8 + flake8-async on {len(sample)} files")
        flake8 = timed_run([str(bindir / "flake8"), "--isolated", "--select", "ASYNC", "--exit-zero", "-j", str(jobs), *sample], work, logs, "flake8")
        scale = len(files) / len(sample)
        report.measurements.append(
            Measurement("flake8", f"flake8 + flake8-async {PEER_PINS['flake8-async']} --select ASYNC", len(files), flake8.seconds * scale, flake8.peak_rss, flake8.peak_pss,
                        extrapolated=len(sample) < len(files),
                        note=f"measured {flake8.seconds:.2f} s on {len(sample)} files" if flake8.returncode == 0 else f"exit {flake8.returncode}: {last_line(flake8.stderr)}",
                        ok=flake8.returncode == 0)
        )
    busy = warn_if_busy("after the runs")
    if busy:
        report.notes.append(busy)
    by_key = {m.key: m for m in report.measurements}
    report.targets = evaluate_targets(by_key, jobs)
    for m in report.measurements:
        if not m.ok:
            report.notes.append(f"{m.label} failed: {m.note}")
    return report


def render(report: CorpusReport) -> str:
    cold = next((m for m in report.measurements if m.key == "cold"), None)
    out = [
        f"== {report.title}: {report.files:,} files, {report.lines:,} lines, {report.jobs} jobs; "
        f"one-file run edits {report.touched}",
        format_table(TABLE_HEADER, measurement_rows(report.measurements, cold), TABLE_RIGHT),
    ]
    if any(m.extrapolated for m in report.measurements):
        out.append("* extrapolated to the whole corpus from a deterministic sample (evenly spaced sorted paths)")
    for m in report.measurements:
        if m.note:
            out.append(f"  {m.label}: {m.note}")
    out.append("targets:")
    out.extend("  " + format_target(t) for t in report.targets)
    out.extend(f"note: {n}" for n in report.notes)
    return "\n".join(out)


def machine() -> Dict[str, object]:
    memory = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_bytes": memory, "platform": platform.platform(), "python": platform.python_version(),
            "load_average": load_average()}


def load_average() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return None


def warn_if_busy(stage: str) -> Optional[str]:
    """Other work on the machine skews every figure; say so instead of hiding it."""
    load, cores = load_average(), os.cpu_count() or 1
    if load is not None and load > cores:
        return f"load average {load:.1f} on {cores} cores {stage}: figures are inflated by other work on the machine"
    return None


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description="Benchmark asynclint against its parse floor, ruff and flake8-async.")
    parser.add_argument("--cache-dir", type=Path, default=Path("~/.cache/asynclint-bench"), help="downloads, unpacked corpora and the peers' venv (default: %(default)s)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every figure as JSON to OUT")
    parser.add_argument("--corpus", choices=["ha", "aiohttp", "all"], default="all", help="pinned corpus to run (default: %(default)s)")
    parser.add_argument("--corpus-path", type=Path, metavar="DIR", help="benchmark the Python files under DIR instead of a pinned corpus")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for every tool (default: the core count, %(default)s)")
    parser.add_argument("--flake8-sample", type=int, default=500, metavar="N", help="files flake8 runs on, evenly spaced in sorted order, before extrapolation (default: %(default)s)")
    parser.add_argument("--skip-peers", action="store_true", help="measure asynclint and the parse floor only (no ruff or flake8)")
    parser.add_argument("--asynclint", metavar="PATH", help="asynclint executable (default: the one beside this Python, else on PATH)")
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary work copy and logs, and print where")
    parser.add_argument("--parse-floor", metavar="LIST", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.flake8_sample < 1:
        parser.error("--flake8-sample must be at least 1")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.parse_floor:
        return parse_floor_main(args.parse_floor, args.jobs)
    try:
        return _bench(args)
    except BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


def _bench(args: argparse.Namespace) -> int:
    asynclint = args.asynclint or default_asynclint()
    if not asynclint or not Path(asynclint).is_file():
        raise BenchError(f"asynclint not found ({asynclint or 'not beside this Python nor on PATH'}); pass --asynclint PATH")
    if args.corpus_path is not None and not args.corpus_path.is_dir():
        raise BenchError(f"{args.corpus_path}: not a directory")
    cache = args.cache_dir.expanduser()
    tool_py = tool_python(asynclint)
    tool = describe_tool(asynclint, tool_py)
    if args.corpus_path is not None:
        root = args.corpus_path.resolve()
        corpus = Corpus(root.name or "corpus", f"{root} (local)", None, "")
        targets_list: List[Tuple[Corpus, Optional[Path]]] = [(corpus, root)]
    else:
        names = ["ha", "aiohttp"] if args.corpus == "all" else [args.corpus]
        targets_list = [(CORPORA[n], None) for n in names]
    cache.mkdir(parents=True, exist_ok=True)
    peers = None if args.skip_peers else ensure_peers(cache)
    reports: List[CorpusReport] = []
    scratch = Path(tempfile.mkdtemp(prefix="asynclint-bench-"))
    try:
        for corpus, root in targets_list:
            if root is None:
                assert corpus.archive is not None
                root = extract_corpus(corpus, fetch_archive(corpus.archive, cache), cache)
            report = bench_corpus(corpus, root, asynclint, tool_py, peers, args.jobs, args.flake8_sample, scratch)
            print(render(report), flush=True)
            print()
            reports.append(report)
    finally:
        if args.keep_work:
            print(f"bench: work copy and logs kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"{tool['asynclint']}, libcst {tool['libcst']}, {machine()['cores']} cores, "
          f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    if args.json is not None:
        payload = {
            "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "tool": tool,
            "peers": None if args.skip_peers else PEER_PINS,
            "corpora": [_report_json(r) for r in reports],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    failed = any(t.status == "FAIL" for r in reports for t in r.targets) or any(not m.ok for r in reports for m in r.measurements)
    return 1 if failed else 0


def _report_json(report: CorpusReport) -> Dict[str, object]:
    cold = next((m for m in report.measurements if m.key == "cold" and m.ok), None)
    data = asdict(report)
    for entry, m in zip(data["measurements"], report.measurements):
        entry["files_per_second"] = m.files_per_second
        entry["ratio_to_cold"] = m.seconds / cold.seconds if cold is not None and cold.seconds > 0 and m.ok else None
    return data


if __name__ == "__main__":
    sys.exit(main())
