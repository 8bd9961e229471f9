"""The cache trusts nothing it did not write, writes nothing outside itself, and is replaced
whole: a committed cache, symlinks planted in it, and concurrent runs never change what
asynclint reports. Everything runs through the installed command; "another machine" is
another user cache directory (XDG_CACHE_HOME, which platformdirs honours on Linux), so
another secret key.
"""
from __future__ import annotations

import json
import os
import random
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest

from asynclint.run.cache import _FORMAT, Cache
from conftest import find_asynclint, run_cli
from test_cache import FAST, SLOW

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME names the key's directory on Linux only")

Row = Tuple[str, int, int, str, str]

# Clean and unsafe versions of the same size: a forged cache can then record stats the
# checked-out files really have, the strongest forgery a repository can carry.
UNSAFE = "time.sleep(1)"
CLEAN = "time.sleeq(1)"


def make_project(root: Path, modules: int = 20, calls: int = 1) -> None:
    """A package whose handlers call a helper in util.py: AIO110 findings linked across files."""
    pkg = root / "shop"
    pkg.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.asynclint]\nselect = ['ALL']\n")
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text(SLOW)
    body = "\n".join(["    indirect_helper()"] * calls)
    for i in range(modules):
        (pkg / f"handler_{i}.py").write_text(textwrap.dedent(f"""\
            import time

            from .util import indirect_helper


            async def handle_{i}(request):
            {{body}}
                {UNSAFE}
                return request
            """).format(body=body))


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    make_project(tmp_path / "project")
    return tmp_path / "project"


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> Tuple[int, List[Row]]:
    """What a run without a cache reports for ``project``: the same for every test here."""
    root = tmp_path_factory.mktemp("expected") / "project"
    make_project(root)
    found = lint(root, {"XDG_CACHE_HOME": str(root.parent / "user-cache")}, "--no-cache")
    assert found[0] == 1 and {"AIO100", "AIO110"} <= {row[3] for row in found[1]}
    return found


@pytest.fixture()
def home(tmp_path: Path) -> Dict[str, str]:
    """This machine's user cache directory, where its key lives."""
    return {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}


def lint(root: Path, env: Dict[str, str], *args: str) -> Tuple[int, List[Row]]:
    done = run_cli(["--format", "json", *args, "shop"], cwd=root, env=env)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == "", "an untrusted or unusable cache is ignored without a word"
    rows = [(f["path"], f["line"], f["column"], f["code"], f["message"]) for f in json.loads(done.stdout)]
    return done.returncode, rows


def cache_file(root: Path) -> Path:
    found = list((root / ".asynclint_cache").glob("*/*.jsonl"))
    assert len(found) == 1, found
    return found[0]


def snapshot(root: Path) -> Dict[str, Tuple[str, bytes]]:
    """Every name under ``root``: its kind and its content (a symlink's target)."""
    out: Dict[str, Tuple[str, bytes]] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            out[name] = ("link", os.readlink(path).encode())
        elif path.is_dir():
            out[name] = ("dir", b"")
        else:
            out[name] = ("file", path.read_bytes())
    return out


# -- (a) a committed cache never hides findings --------------------------------------------


def _set_all(project: Path, old: str, new: str) -> None:
    for path in (project / "shop").glob("*.py"):
        path.write_text(path.read_text().replace(old, new))


def _same_stats(project: Path, stats: Dict[Path, os.stat_result]) -> None:
    for path, info in stats.items():
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def _cache_of_a_clean_project_from_another_machine(project: Path, tmp_path: Path) -> None:
    """A real run on another machine over the clean version, then the unsafe code checked
    out over it with the very stats the cache recorded."""
    _set_all(project, UNSAFE, CLEAN)
    old = time.time() - 60
    for path in (project / "shop").glob("*.py"):
        os.utime(path, (old, old))
    stats = {path: path.stat() for path in (project / "shop").glob("*.py")}
    _, clean = lint(project, {"XDG_CACHE_HOME": str(tmp_path / "other-machine")})
    assert not any(row[3] == "AIO100" for row in clean)
    _set_all(project, CLEAN, UNSAFE)
    _same_stats(project, stats)


def _hand_written(project: Path, env: Dict[str, str], secret: Optional[bytes]) -> None:
    """A cache claiming no findings for the files as they are, authenticated with a key
    that is not this machine's (or with made-up HMACs)."""
    lint(project, env)  # for the file's name (the configuration) and the real stats
    path = cache_file(project)
    files = sorted((project / "shop").glob("*.py"))
    stats = {str(p.relative_to(project)): [p.stat().st_mtime_ns, p.stat().st_size] for p in files}
    linked = (json.dumps({"stats": stats, "findings": []}) + "\n").encode()
    if secret is not None:
        Cache(path.parent.parent, path.stem, secret).write_parts(linked, b"")
    else:
        header = {"format": _FORMAT, "linked": len(linked), "macs": ["0" * 64, "0" * 64]}
        path.write_bytes(json.dumps(header).encode() + b"\n" + linked)


@pytest.mark.parametrize("forgery", ["another machine's run", "another key", "made-up HMACs"])
def test_a_committed_cache_does_not_hide_findings(
    project: Path, tmp_path: Path, home: Dict[str, str], expected: Tuple[int, List[Row]], forgery: str
) -> None:
    if forgery == "another machine's run":
        _cache_of_a_clean_project_from_another_machine(project, tmp_path)
    else:
        _hand_written(project, home, secrets.token_bytes(32) if forgery == "another key" else None)
    assert lint(project, home) == expected
    assert lint(project, home) == expected  # from the cache this run wrote with its own key


def test_the_key_is_private_and_a_cache_is_only_trusted_with_it(
    project: Path, home: Dict[str, str], expected: Tuple[int, List[Row]]
) -> None:
    assert lint(project, home) == expected
    key = Path(home["XDG_CACHE_HOME"]) / "asynclint" / "key"
    assert len(key.read_bytes()) == 32
    assert key.stat().st_mode & 0o777 == 0o600 and key.parent.stat().st_mode & 0o777 == 0o700
    before = cache_file(project).read_bytes()
    key.unlink()  # deleting the key invalidates every cache: the next run writes it again
    assert lint(project, home) == expected
    assert cache_file(project).read_bytes() != before and len(key.read_bytes()) == 32


@pytest.mark.parametrize("key", ["a symlink", "unwritable"])
def test_without_a_usable_key_the_run_uses_no_cache(
    project: Path, tmp_path: Path, expected: Tuple[int, List[Row]], key: str
) -> None:
    user_cache = tmp_path / "user-cache"
    if key == "a symlink":  # a key that is not a regular file of this user is not trusted
        (user_cache / "asynclint").mkdir(parents=True)
        (tmp_path / "elsewhere").write_bytes(b"k" * 32)
        (user_cache / "asynclint" / "key").symlink_to(tmp_path / "elsewhere")
    else:  # a regular file where the directory should be: even root cannot create the key
        user_cache.write_text("")
    assert lint(project, {"XDG_CACHE_HOME": str(user_cache)}) == expected
    assert not (project / ".asynclint_cache").exists()


# -- (b) symlinks in the cache directory are never followed -------------------------------


def _plant(project: Path, home: Dict[str, str], outside: Path, where: str, dangling: bool) -> None:
    lint(project, home)  # a real cache, whose names are then replaced by symlinks
    cache = project / ".asynclint_cache"
    places = {
        "the cache directory": lambda: cache,
        "the version folder": lambda: next(path for path in cache.iterdir() if path.is_dir()),
        "the cache file": lambda: cache_file(project),
        "the lock file": lambda: cache_file(project).with_suffix(".lock"),
        ".gitignore": lambda: cache / ".gitignore",
        "CACHEDIR.TAG": lambda: cache / "CACHEDIR.TAG",
    }
    place = places[where]()
    is_directory = place.is_dir()
    if is_directory:
        shutil.rmtree(place)
    elif place.exists():
        place.unlink()
    target = outside / ("missing" if dangling else ("victim-dir" if is_directory else "victim.txt"))
    place.symlink_to(target, target_is_directory=is_directory)


@pytest.mark.parametrize("dangling", [False, True], ids=["to a file", "dangling"])
@pytest.mark.parametrize(
    "where", ["the cache directory", "the version folder", "the cache file", "the lock file", ".gitignore", "CACHEDIR.TAG"]
)
def test_a_symlink_in_the_cache_is_not_followed(
    project: Path, tmp_path: Path, home: Dict[str, str], expected: Tuple[int, List[Row]], where: str, dangling: bool
) -> None:
    outside = tmp_path / "outside"
    (outside / "victim-dir").mkdir(parents=True)
    (outside / "victim.txt").write_text("precious\n")
    _plant(project, home, outside, where, dangling)
    before = snapshot(outside)
    assert lint(project, home) == expected
    assert snapshot(outside) == before


def test_a_fifo_in_the_cache_does_not_hang_a_run(project: Path, home: Dict[str, str], expected: Tuple[int, List[Row]]) -> None:
    lint(project, home)
    data = cache_file(project)
    data.unlink()
    os.mkfifo(data)
    assert lint(project, home) == expected  # run_cli's timeout guards against a hang


# -- (c) concurrent runs never leave the cache wrong --------------------------------------


def test_an_update_that_fails_part_way_leaves_the_last_cache_whole(tmp_path: Path, home: Dict[str, str]) -> None:
    """A run whose cache cannot be written whole (a file size limit of half the largest
    cache file stands in for a full disk or a run killed while writing) keeps the last
    complete cache. Replacing the per-file entries and then failing to replace the linked
    findings made the next runs report the findings of before the edit: here, none of the
    AIO110 findings the edit brings."""
    root = tmp_path / "project"
    make_project(root, modules=20, calls=40)
    util = root / "shop" / "util.py"
    slow = lint(root, home, "--no-cache")
    lint(root, home)
    largest = max(path.stat().st_size for path in (root / ".asynclint_cache").rglob("*") if path.is_file())
    util.write_text(FAST)
    lint(root, home)  # the cache now holds util.py's fast helper, and no AIO110
    util.write_text(SLOW)
    done = subprocess.run(
        [str(find_asynclint()), "--format", "json", "shop"], cwd=root, env={**os.environ, **home},
        capture_output=True, text=True, timeout=300, preexec_fn=_file_size_limit(largest // 2),
    )
    assert done.returncode == 1 and done.stderr == ""
    assert sum(f["code"] == "AIO110" for f in json.loads(done.stdout)) == 800
    assert lint(root, home) == slow
    assert not [path for path in (root / ".asynclint_cache").rglob(".tmp-*")]


def _file_size_limit(limit: int) -> Callable[[], None]:
    """For the child: writes past ``limit`` bytes fail with EFBIG instead of killing it."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_concurrent_runs_never_leave_the_cache_wrong(tmp_path: Path, home: Dict[str, str]) -> None:
    """Each trial edits util.py (its helper blocks, or no longer does: every handler's
    AIO110 findings come or go), starts two runs a moment apart, and then checks a third,
    cached run against a run without the cache. A run that read one part of the cache
    before another run replaced it and the other part after reported, and then kept, the
    findings of before the edit; that takes the second run's reading to meet the first's
    writing, so the second starts a random moment later. On the old code this failed only
    on a busy machine (a run preempted between its two reads), in about 1 trial of 30: it
    guards against regressions; the test above shows the same fault every time."""
    root = tmp_path / "project"
    make_project(root, modules=60, calls=5)
    expected = {}
    for name, text in (("slow", SLOW), ("fast", FAST)):
        (root / "shop" / "util.py").write_text(text)
        expected[name] = lint(root, home, "--no-cache")
    assert sum(row[3] == "AIO110" for row in expected["slow"][1]) == 300
    lint(root, home)
    rng = random.Random(19)
    wrong = []
    for trial in range(8):
        name = ("fast", "slow")[trial % 2]
        (root / "shop" / "util.py").write_text(FAST if name == "fast" else SLOW)
        first = _start(root, home)
        time.sleep(rng.uniform(0.0, 0.8))
        second = _start(root, home)
        _finish(first)
        _finish(second)
        if lint(root, home) != expected[name]:
            wrong.append(trial)
    assert wrong == []


def _start(root: Path, home: Dict[str, str]) -> "subprocess.Popen[bytes]":
    command = [str(find_asynclint()), "--format", "json", "shop"]
    return subprocess.Popen(command, cwd=root, env={**os.environ, **home}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _finish(process: "subprocess.Popen[bytes]") -> None:
    _, errors = process.communicate(timeout=300)
    assert process.returncode in (0, 1) and not errors, errors
