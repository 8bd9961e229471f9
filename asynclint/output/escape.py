"""Showing file names (and messages that quote them) that a format cannot carry as they are.

A name is whatever bytes the repository committed. On POSIX, Python hands a name that is
not valid UTF-8 over with each bad byte as a lone surrogate (U+DC80–U+DCFF), which no
output stream can encode; a newline in a name would split a line of text output; an escape
sequence would reach the user's terminal. Every format shows such characters with Python's
escapes instead, so the output is one line per finding and names the real file visibly:
an undecodable byte as ``\\xff`` (the byte itself), a control character as ``\\n``, ``\\t``
or ``\\x1b``, a line separator or a bidirectional override as ``\\u2028``. A backslash
itself is left alone, so a name that contains the four characters ``\\xff`` looks the
same as one with the byte; SARIF's URIs, which percent-encode the real bytes, tell them
apart.
"""
from __future__ import annotations

import re

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Lone surrogates: what cannot be encoded at all (JSON strings must not carry them either).
_UNENCODABLE = re.compile("[\ud800-\udfff]")
# Also what would break a line or mislead a terminal: C0 and C1 controls, DEL, the Unicode
# line and paragraph separators (str.splitlines breaks at those and at U+0085), and the
# bidirectional embeddings, overrides and isolates ("Trojan Source").
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: "re.Match[str]") -> str:
    char = match.group()
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if 0xDC80 <= code <= 0xDCFF:  # the byte os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def encodable(text: str) -> str:
    """For JSON and SARIF text, which carry any Unicode (a newline is a JSON ``\\n``) but no
    lone surrogate: only those are escaped."""
    return _UNENCODABLE.sub(_escape, text)


def visible(text: str, keep: str = "") -> str:
    """For line-based output (text, GitHub, diff headers, warnings): every character above
    escaped, except those in ``keep`` that the format escapes its own way."""
    return _INVISIBLE.sub(lambda match: match.group() if match.group() in keep else _escape(match), text)
