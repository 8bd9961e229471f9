"""What a run and its worker processes say to each other over the worker's pipes.

Messages are length-prefixed pickles: both ends are this package, in processes it started,
so nothing else ever writes to these pipes. The parent sends tasks (the first one is the
worker's set-up); the worker answers each with one ``Message``.
"""
from __future__ import annotations

import pickle
import struct
from typing import IO, Any, Callable, NamedTuple, Optional

_HEADER = struct.Struct("!Q")


class Task(NamedTuple):
    """A module-level function and its arguments: what pickles by reference."""

    function: Callable[..., Any]
    args: tuple


class Message(NamedTuple):
    """A worker's word: ``ready``, ``failed`` (its set-up raised), or a task's ``ok``,
    ``memory`` or ``error``; ``value`` is the result or the error's text."""

    kind: str
    value: Any = None


def send_message(stream: Optional[IO[bytes]], message: Any) -> None:
    """Raises OSError or ValueError if the pipe is gone."""
    write_frame(stream, pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def write_frame(stream: Optional[IO[bytes]], body: bytes) -> None:
    if stream is None:
        raise ValueError("no pipe")
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Optional[bytes]:
    """The next message, or None at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    return body if len(body) == size else None
