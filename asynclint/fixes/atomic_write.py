"""Write a fixed file without losing an edit, leaving it half-written, writing through a
link or changing how it is stored.

The new text goes to a temporary file in the same directory (same filesystem, so the
rename is atomic), with the original's encoding, BOM, permission bits, owner and group,
then replaces the original in one rename. Just before the rename the file is read again
and must still be exactly what the fix was computed from; otherwise someone edited it
meanwhile and the fix is dropped rather than their edit. Any failure leaves the original
untouched.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Tuple

from asynclint.source import ReadProblem, SourceText, read_file_and_stat

TEMP_SUFFIX = ".asynclint-tmp"
# tempfile.mkstemp's names: our prefix (".name."), eight characters of its alphabet, our suffix.
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
# A temporary lives for milliseconds between its creation and its rename, so one this old
# was left by a fix that was killed, not by one running now.
STALE_AFTER_SECONDS = 60.0

CHANGED = "the file changed while it was being fixed"


class WriteFailed(Exception):
    """One line saying why a file could not be written (the original is unchanged)."""


class Refused(Exception):
    """One line saying why a file was deliberately left alone (a link, or a concurrent edit)."""


@dataclass(frozen=True)
class Snapshot:
    """The bytes a fix is computed from, and the file they came from as stat saw it."""

    data: bytes
    identity: Tuple[int, ...]  # see _identity
    mode: int
    uid: int
    gid: int


def _identity(status: os.stat_result) -> Tuple[int, ...]:
    # The mode, owner and link count are in it too: a file chmod-ed, chown-ed or linked
    # meanwhile would get the old values back from the fix.
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns,
            status.st_mode, status.st_uid, status.st_gid, status.st_nlink)


def encode(text: str, source: SourceText) -> bytes:
    data = text.encode(source.encoding)
    return (b"\xef\xbb\xbf" + data) if source.bom else data


def link_problem(path: Path, root: Path) -> Optional[str]:
    """Why writing ``path`` would go through a symbolic link, or None.

    A repository can commit a symbolic link to any file on the machine, so a fix must not
    follow one. The path is resolved and compared with the same path spelled from the
    project root's own resolution: any link between the root and the file makes them
    differ. Links above the root (a home directory on another disk) are the user's own
    layout. For a file outside the project, only the file itself is checked.
    """
    absolute = os.path.abspath(path)
    base = os.path.abspath(root)
    if not _is_within(absolute, base):
        base = os.path.dirname(absolute)
    expected = os.path.join(os.path.realpath(base), os.path.relpath(absolute, base))
    if os.path.normcase(os.path.realpath(absolute)) == os.path.normcase(os.path.normpath(expected)):
        return None
    if os.path.islink(absolute):
        return "it is a symbolic link; fix the file it points to"
    return "it is inside a symbolically linked directory; fix the file it points to"


def _is_within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # another drive on Windows
        return False


def read_for_fix(path: Path, root: Path) -> Snapshot:
    """The file's bytes and stat, for a fix that ``write_atomic`` may later write.

    Raises Refused for a file a fix must not replace: a symbolic link, one inside a linked
    directory, or one with several hard links (a rename would split them, writing in place
    would change every linked copy, and which one the user wants cannot be known). Raises
    OSError if it cannot be read.
    """
    problem = link_problem(path, root)
    if problem is not None:
        raise Refused(problem)
    data, status = _read(path)
    if status.st_nlink > 1:
        raise Refused(f"it has {status.st_nlink} hard links; a fix would split them or change every linked copy")
    return Snapshot(data, _identity(status), status.st_mode, status.st_uid, status.st_gid)


def _read(path: Path) -> Tuple[bytes, os.stat_result]:
    """Bytes and stat of one open file, never through a final symbolic link (on Windows
    links are caught by the path check alone). Raises Refused for anything but a regular
    file, OSError if it cannot be read."""
    try:
        return read_file_and_stat(path, follow_symlinks=False)
    except ReadProblem:
        raise Refused("it is not a regular file") from None


def write_atomic(path: Path, text: str, source: SourceText, snapshot: Snapshot) -> None:
    """Replace ``path`` by ``text`` if it still holds ``snapshot``.

    Raises Refused if the file changed since ``snapshot`` was read, WriteFailed if it
    cannot be written; either way the original is untouched and no temporary is left.
    """
    try:
        data = encode(text, source)
    except (UnicodeEncodeError, LookupError) as error:
        raise WriteFailed(f"cannot encode fixed source as {source.encoding}: {error}") from None
    mode = stat.S_IMODE(snapshot.mode)
    # os.access says yes to root for any file; a file without write bits is read-only
    # by intent, and --fix must not replace it.
    if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteFailed("file is read-only")
    temp = _write_temp(path, data, snapshot)
    try:
        unchanged = _unchanged(path, snapshot)
        if unchanged:
            os.replace(temp, path)
    except OSError as error:
        _discard(temp)
        raise WriteFailed(error.strerror or str(error)) from None
    if not unchanged:
        _discard(temp)
        raise Refused(CHANGED)


def _write_temp(path: Path, data: bytes, snapshot: Snapshot) -> str:
    """A fully written, synced temporary beside ``path`` with the original's owner and mode."""
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as error:
        raise WriteFailed(error.strerror or str(error)) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _keep_owner(temp, snapshot)
        os.chmod(temp, stat.S_IMODE(snapshot.mode))  # after chown, which may clear set-id bits
    except OSError as error:
        _discard(temp)
        raise WriteFailed(error.strerror or str(error)) from None
    return temp


def _keep_owner(temp: str, snapshot: Snapshot) -> None:
    """Give the temporary the original's owner and group, as far as this user may.

    Without it a fix run as root would leave the file owned by root. Only root can give a
    file away; another user may still set a group it belongs to, and otherwise the file
    ends up owned by the user who fixed it, as with any editor that saves by renaming.
    """
    chown = getattr(os, "chown", None)
    if chown is None:  # Windows
        return
    for uid in (snapshot.uid, -1):
        try:
            chown(temp, uid, snapshot.gid)
            return
        except PermissionError:
            continue


def _unchanged(path: Path, snapshot: Snapshot) -> bool:
    """Whether ``path`` still holds exactly the snapshot, as late before the rename as possible.

    The content is compared, not only the stat: an edit that keeps the size, made within
    the filesystem's timestamp granularity, keeps the mtime too. The stat comes last, so
    the only edit neither sees is one landing between it and the rename.
    """
    try:
        if _read(path)[0] != snapshot.data:
            return False
        return _identity(os.lstat(path)) == snapshot.identity
    except (OSError, Refused):  # deleted, replaced by a link or a FIFO, made unreadable: changed
        return False


def _discard(temp: str) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass


def remove_stale_temporaries(directories: Iterable[Path], root: Path) -> None:
    """Remove the temporaries a killed fix left in ``directories``.

    Only regular files named exactly as ``write_atomic`` names them and untouched for
    ``STALE_AFTER_SECONDS`` go: a younger one may belong to a fix running right now.
    Directories reached through a symbolic link are left alone, as for writing.
    """
    cutoff = time.time() - STALE_AFTER_SECONDS
    for directory in set(directories):
        if link_problem(directory, root) is not None:
            continue
        try:
            with os.scandir(directory) as entries:
                stale = [entry.path for entry in entries if _TEMP_NAME.fullmatch(entry.name) and _older(entry, cutoff)]
        except OSError:
            continue
        for temp in stale:
            _discard(temp)


def _older(entry: "os.DirEntry[str]", cutoff: float) -> bool:
    try:
        return entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff
    except OSError:
        return False
