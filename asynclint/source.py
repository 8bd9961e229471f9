"""Reading source files safely, from bytes to text as Python reads it, and findings about
files rather than code.

Kept apart from the analysis so that code which only reads files (the cache, the runner's
parent process) does not import LibCST.
"""
from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from asynclint.findings import Finding
from asynclint.settings import Settings


class DecodeProblem(Exception):
    """The file's bytes are not text in the encoding it declares."""


@dataclass
class SourceText:
    text: str
    encoding: str = "utf-8"
    bom: bool = False


def decode(data: bytes) -> SourceText:
    """Decode as Python does: a BOM or coding cookie decides, UTF-8 otherwise."""
    try:
        encoding, _lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise DecodeProblem(str(error).splitlines()[0]) from None
    bom = encoding == "utf-8-sig"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeProblem(f"cannot decode as {encoding}: {error}") from None
    if bom and text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text, "utf-8" if bom else codecs.lookup(encoding).name, bom)


def file_problem(display: str, code: str, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(display, line, column, line, column, code, message)


class ReadProblem(Exception):
    """Why a file's bytes were not read; the text is the whole AIO002 message."""


# What a non-regular file is, for the message: reading one can block forever (a FIFO),
# never end (/dev/zero) or take input meant for someone else (a terminal).
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)

# Opening never waits (a FIFO swapped in after the stat), never takes a terminal as the
# controlling one, and never turns CRLF into LF (Windows); flags a platform lacks are 0.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))


def read_file(path: Union[str, "os.PathLike[str]"], limit: int = 0, follow_symlinks: bool = True) -> bytes:
    """A regular file's bytes, at most ``limit`` of them (0: no limit); see read_file_and_stat.

    Raises ReadProblem, whose text is the whole AIO002 message.
    """
    try:
        return read_file_and_stat(path, limit, follow_symlinks)[0]
    except OSError as error:
        raise ReadProblem(f"cannot read file: {error.strerror or type(error).__name__}") from None


def read_file_and_stat(
    path: Union[str, "os.PathLike[str]"], limit: int = 0, follow_symlinks: bool = True
) -> Tuple[bytes, os.stat_result]:
    """A regular file's bytes and the ``fstat`` of the descriptor they were read from, so
    the two describe the same file (``--fix`` compares that stat before writing).

    The size is checked with ``stat`` before anything is read, and the read stops one byte
    past the limit (the file may grow meanwhile), so a huge or endless file costs nothing.
    Anything but a regular file is refused without a blocking open; ``follow_symlinks=False``
    also refuses a symbolic link (git reads ``.gitignore`` the same way, and a fix must not
    write through one). Raises ReadProblem for what must not be read, OSError for what
    cannot be.
    """
    _check(os.stat(path, follow_symlinks=follow_symlinks), limit)
    flags = _OPEN_FLAGS | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(os.open(path, flags), "rb") as handle:
        info = os.fstat(handle.fileno())
        _check(info, limit)  # what was opened is what was checked
        data = handle.read(limit + 1) if limit else handle.read()
    if limit and len(data) > limit:
        raise ReadProblem(_too_large(max(len(data), info.st_size), limit))
    return data, info


def file_limit(settings: Settings) -> int:
    """The most bytes of a source file that are read (0: no limit), from ``max-file-size``."""
    return settings.max_file_size


def read_text(path: Union[str, "os.PathLike[str]"], limit: int = 0) -> Optional[str]:
    """A source file's text for showing or locating findings; None if it cannot be had."""
    try:
        return decode(read_file(path, limit)).text
    except (ReadProblem, DecodeProblem):
        return None


def _check(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        raise ReadProblem(f"not a regular file: {kind}")
    if limit and info.st_size > limit:
        raise ReadProblem(_too_large(info.st_size, limit))


def _too_large(size: int, limit: int) -> str:
    return (f"file too large to analyse: {size / 1_048_576:.1f} MB "
            f"(the max-file-size setting allows {limit:,} bytes)")
