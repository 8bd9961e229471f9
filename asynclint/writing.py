"""Write a fixed file without ever leaving it half-written or changing how it is stored.

The new text goes to a temporary file in the same directory (same filesystem, so the
rename is atomic), with the original's encoding, BOM and permission bits, then replaces
the original in one rename. Any failure leaves the original untouched.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from asynclint.source import SourceText


class WriteFailed(Exception):
    """One line saying why a file could not be written (the original is unchanged)."""


def encode(text: str, source: SourceText) -> bytes:
    data = text.encode(source.encoding)
    return (b"\xef\xbb\xbf" + data) if source.bom else data


def write_atomic(path: Path, text: str, source: SourceText) -> None:
    try:
        data = encode(text, source)
    except (UnicodeEncodeError, LookupError) as error:
        raise WriteFailed(f"cannot encode fixed source as {source.encoding}: {error}") from None
    directory = path.parent
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        # os.access says yes to root for any file; a file without write bits is read-only
        # by intent, and --fix must not replace it.
        if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise WriteFailed("file is read-only")
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".asynclint-tmp", dir=directory)
    except OSError as error:
        raise WriteFailed(error.strerror or str(error)) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as error:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise WriteFailed(error.strerror or str(error)) from None
