"""From bytes to text as Python reads it, and findings about files rather than code.

Kept apart from the analysis so that code which only reads files (the cache, the runner's
parent process) does not import LibCST.
"""
from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass

from asynclint.findings import Finding


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
