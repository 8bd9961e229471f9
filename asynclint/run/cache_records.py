"""The records of a cache file's two parts, and their text, one line per record.

The first part is the last run: one line with its linked findings and the stat of every
file it covered, then a line per file naming the index entries its linking looked up. The
second part holds one line per file: its content hash, stat, module, codes and encoded
results. Lines are parsed as late as a run allows: a warm run parses the first line only,
and a file's results stay JSON text until something asks for them, so an unchanged line is
written back as it was read.
"""
from __future__ import annotations

import json
from typing import Any, Container, Dict, Iterable, List, NamedTuple, Optional, Sequence

from asynclint.findings import Finding
from asynclint.run.result_codec import CacheCorrupt, checked_int, checked_str, decode_finding, encode_finding

_DECODER = json.JSONDecoder()


class Stat(NamedTuple):
    """What tells that a file is unchanged without reading it."""

    mtime_ns: int
    size: int


class Entry:
    """One file's cached analysis: valid while its content hash (or trusted stat) matches.

    The result stays JSON text until something asks for it: a run where one file changed
    decodes that file's entry and the few its linking reaches, and writes the others back
    untouched.
    """

    __slots__ = ("stat", "digest", "module", "codes", "text", "line")

    def __init__(self, stat: Optional[Stat], digest: str, module: str, codes: str, text: str, line: str = "") -> None:
        self.stat = stat
        self.digest = digest
        self.module = module
        self.codes = codes
        self.text = text  # the encoded FileResult parts, as JSON
        self.line = line  # the line it was read from, written back as is while unchanged

    def encode(self, display: str) -> str:
        if not self.line:
            head = [display, None if self.stat is None else list(self.stat), self.digest, self.module, self.codes]
            self.line = f"[{json.dumps(head, separators=(',', ':'))},{self.text}]"
        return self.line

    def result(self) -> Any:
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError) as error:
            raise CacheCorrupt(str(error)) from None


class PreviousRun:
    """The last run's linked findings and the stat it recorded for each file (None: not trusted)."""

    def __init__(self, stats: Dict[str, Optional[list]], findings: list, reads: bytes = b"") -> None:
        self.stats = stats
        self._findings = findings
        self._reads = reads  # one line per file, split only when some file changed

    def changed(self, stats: Dict[str, Optional[Stat]]) -> Optional[List[str]]:
        """Files whose stat is not the recorded one; None if the run covers other files."""
        if len(stats) != len(self.stats):
            return None
        out: List[str] = []
        for display, stat in stats.items():
            if display not in self.stats:
                return None
            seen = self.stats[display]
            if stat is None or seen is None or list(stat) != seen:
                out.append(display)
        return out

    def findings(self) -> List[Finding]:
        """Raises CacheCorrupt if they do not decode."""
        try:
            return [decode_finding(item) for item in self._findings]
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise CacheCorrupt(str(error)) from None

    def reads(self) -> Dict[str, str]:
        """For each file with linked findings, the names its linking looked up, kept as the
        JSON text ``decode_names`` reads: most runs only replace the edited files' lines.
        Each line is ``[display, [name, ...]]``. Raises CacheCorrupt."""
        out: Dict[str, str] = {}
        try:
            for line in self._reads.decode("utf-8").split("\n"):
                if not line:
                    continue
                if not (line.startswith('["') and line.endswith("]]")):
                    raise ValueError("bad line")
                display, end = _DECODER.raw_decode(line, 1)
                if line[end:end + 2] != ",[":
                    raise ValueError("bad line")
                out[checked_str(display)] = line[end + 1:-1]
        except (UnicodeDecodeError, TypeError, ValueError, RecursionError) as error:
            raise CacheCorrupt(str(error)) from None
        return out


def parse_previous_run(blob: bytes) -> Optional[PreviousRun]:
    """Parses the first line only: a warm run needs the stats and findings, not the reads."""
    head, _, reads = blob.partition(b"\n")
    try:
        data = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    stats, findings = data.get("stats"), data.get("findings")
    if not isinstance(stats, dict) or not isinstance(findings, list):
        return None
    if not all(seen is None or (type(seen) is list and len(seen) == 2) for seen in stats.values()):
        return None
    return PreviousRun(stats, findings, reads)


def encode_previous_run(stats: Dict[str, Optional[list]], findings: Sequence[Finding], reads: Dict[str, str]) -> bytes:
    """The first part: what ``parse_previous_run`` and ``PreviousRun.reads`` read back."""
    head = json.dumps({"stats": stats, "findings": [encode_finding(f) for f in findings]}, separators=(",", ":"))
    lines = [head] + [f"[{json.dumps(d)},{names}]" for d, names in reads.items() if d in stats]
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_entries(blob: bytes) -> Dict[str, Entry]:
    """One line per file: ``[[display, stat, digest, module, codes], result]``; empty if any
    line is off. Only the first element of each line is parsed; the result is kept as text."""
    entries = {}
    try:
        for line in blob.decode("utf-8").split("\n"):
            if not line:
                continue
            if not (line.startswith("[[") and line.endswith("]")):
                raise ValueError("bad line")
            head, end = _DECODER.raw_decode(line, 1)
            if line[end] != ",":
                raise ValueError("bad line")
            display, stat, content, module, codes = head
            if stat is not None:
                stat = Stat(checked_int(stat[0]), checked_int(stat[1]))
            entries[checked_str(display)] = Entry(
                stat, checked_str(content), checked_str(module), checked_str(codes), line[end + 1:-1], line
            )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return {}
    return entries


def encode_entries(entries: Dict[str, Entry], kept: Container[str]) -> bytes:
    """The second part: the lines of the entries of the files in ``kept``."""
    return "".join(e.encode(display) + "\n" for display, e in entries.items() if display in kept).encode("utf-8")


def encode_names(names: Iterable[str]) -> str:
    return json.dumps(sorted(names), separators=(",", ":"))


def decode_names(texts: Iterable[str]) -> List[List[str]]:
    """Raises CacheCorrupt unless every text is a JSON list of strings."""
    try:
        lists = json.loads("[" + ",".join(texts) + "]")
    except (ValueError, RecursionError) as error:
        raise CacheCorrupt(str(error)) from None
    if not all(type(names) is list and all(type(name) is str for name in names) for names in lists):
        raise CacheCorrupt("bad names")
    return lists
