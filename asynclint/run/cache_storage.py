"""The cache's files on disk: nothing in them is trusted, and nothing is written through them.

A cache directory may come from anywhere (committed to a repository, unpacked from an
archive), so it is treated as hostile input:

* Only a file authenticated with this user's secret key on this machine is read. The key
  (32 random bytes) lives in the user cache directory, never in a project; a cache written
  on another machine, by another user or by hand fails authentication and is ignored.
* No symlink in the cache directory is followed: directories are checked with ``lstat``,
  files are opened with ``O_NOFOLLOW``, and new files are created under fresh names with
  ``O_CREAT | O_EXCL | O_NOFOLLOW`` and renamed into place, which replaces a name and never
  writes through it.
* Writers take an exclusive lock on a lock file, so one replaces the cache at a time.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

KEY_SIZE = 32
# Flags that only exist on some platforms are 0 elsewhere: Windows has no symlink-following
# to refuse (creating symlinks there needs privileges) and no FIFOs to block on.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted in the cache must not hang a run
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_READ = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
# A writer holds the lock for one file write; a run that still cannot get it after this
# long (another run stopped while writing) does not keep its cache, and loses nothing else.
LOCK_WAIT_SECONDS = 10.0


class Unsafe(OSError):
    """A name the cache uses is a symlink, not of the expected kind, or not this user's."""


def machine_key() -> Optional[bytes]:
    """This user's secret on this machine, created on first use; None if it cannot be had
    (a read-only home, a key that is not a regular file of this user): then no cache is used."""
    try:
        from platformdirs import user_cache_dir

        folder = Path(user_cache_dir("asynclint"))
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / "key"
        found = read_key(path)
        if found is None:
            _create_key(path)
            found = read_key(path)
        return found
    except (OSError, ValueError):
        return None


def read_key(path: Path) -> Optional[bytes]:
    """None if there is no key yet; raises OSError for a key that cannot be trusted."""
    try:
        with open_regular(path, lambda info: _mine(info) and info.st_size == KEY_SIZE) as handle:
            data = handle.read(KEY_SIZE + 1)
    except FileNotFoundError:
        return None
    if len(data) != KEY_SIZE:
        raise Unsafe(f"{path}: not a key")
    return data


def _create_key(path: Path) -> None:
    """Linked into place from a complete temporary file, so a run never reads half a key,
    and two runs creating it at once agree on the one that was linked first."""
    temp = path.with_name(f".key-{secrets.token_hex(8)}")
    write_new(temp, [secrets.token_bytes(KEY_SIZE)], 0o600, sync=True)
    try:
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links
            if not path.exists():
                os.rename(temp, path)
    finally:
        remove(temp)


def _mine(info: os.stat_result) -> bool:
    """Owned by the user running asynclint (always true where there are no owners)."""
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


def open_regular(path: Path, accept: Callable[[os.stat_result], bool] = lambda info: True) -> BinaryIO:
    """A binary file object for a regular file that ``accept``s, opened without following a
    symlink (and without blocking on a FIFO); raises OSError."""
    fd = os.open(path, _READ)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not accept(info):
            raise Unsafe(f"{path}: not a regular file of this user")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_names(directories: Iterable[Path], files: Iterable[Path]) -> None:
    """Raises Unsafe unless each name that exists is a real directory of this user (or a
    regular file): never a symlink. A missing name is fine; it is created when written."""
    for path, is_kind, owned in [(d, stat.S_ISDIR, True) for d in directories] + [(f, stat.S_ISREG, False) for f in files]:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        if not is_kind(info.st_mode) or (owned and not _mine(info)):
            raise Unsafe(f"{path}: not usable as part of the cache")


def make_directory(path: Path) -> None:
    """Create ``path`` (not its parent) unless it exists; raises Unsafe if what exists at
    ``path`` is not a real directory of this user."""
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    check_names([path], [])


def write_new(path: Path, parts: Iterable[bytes], mode: int, sync: bool = False) -> None:
    """Create ``path``, which must not exist yet (not even as a symlink), holding ``parts``."""
    fd = os.open(path, _CREATE, mode)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            for part in parts:
                handle.write(part)
            handle.flush()
            if sync:
                os.fsync(fd)
    except BaseException:
        os.close(fd)
        remove(path)
        raise
    os.close(fd)


def replace(path: Path, parts: Iterable[bytes], mode: int = 0o600) -> None:
    """Write a fresh file beside ``path`` and rename it over ``path``: readers see the old
    file or the new one, and a symlink at ``path`` is replaced, not written through."""
    temp = path.with_name(f".tmp-{secrets.token_hex(8)}")
    write_new(temp, parts, mode)
    try:
        os.replace(temp, path)
    except BaseException:
        remove(temp)
        raise


def remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@contextlib.contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Held while a writer replaces the cache; raises OSError if it cannot be had."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unsafe(f"{path}: not a regular file")
        _acquire(fd)
        try:
            yield
        finally:
            _release(fd)
    finally:
        os.close(fd)


def _acquire(fd: int) -> None:
    """Waits while another writer holds the lock, up to LOCK_WAIT_SECONDS."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            _try_lock(fd)
            return
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, getattr(errno, "EDEADLOCK", -1)):
                raise
            if time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _try_lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    elif msvcrt is not None:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _release(fd: int) -> None:
    """Closing the descriptor releases a POSIX lock; Windows wants it unlocked first."""
    if fcntl is None and msvcrt is not None:  # pragma: no cover - Windows
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
