"""Issue 14's catalogue part, through the installed command.

fixtures/ holds a line for every new catalogue entry and its near-misses; these tests pin
the parts that are more than a row: a ``blocking-calls`` wildcard key, values typed through
a stdlib call's return type, queues made without a size, redis clients created without a
command, and AIO301 on an annotated assignment.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import pytest

from conftest import run_cli


def findings(tmp_path: Path, source: str, config: str = "", select: str = "ALL") -> List[Tuple[int, str, str]]:
    """(line, code, message) of every finding in ``source``, checked with ``config`` under [tool.asynclint]."""
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config, encoding="utf-8")
    (tmp_path / "sample.py").write_text(source, encoding="utf-8")
    result = run_cli(["--select", select, "--no-cache", "--format", "json", "sample.py"], cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [(item["line"], item["code"], item["message"]) for item in json.loads(result.stdout)]


WILDCARD_SOURCE = """\
import mylib
import mylib.sub
import other


async def run():
    mylib.anything(1)
    mylib.sub.deeper()
    other.anything(1)
"""


def test_wildcard_blocking_calls_key_reports_every_call_below_it(tmp_path: Path) -> None:
    found = findings(tmp_path, WILDCARD_SOURCE, '[tool.asynclint.blocking-calls]\n"mylib.*" = "mylib.aio"\n', "AIO109")
    assert [(line, code) for line, code, _ in found] == [(7, "AIO109"), (8, "AIO109")]
    assert found[0][2].endswith("use mylib.aio")


@pytest.mark.parametrize("key", ["*", ".*", "mylib.*.fetch", "mylib.**", "my-lib.*", "class.*"])
def test_malformed_wildcard_key_is_one_line_and_exit_2(tmp_path: Path, key: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.asynclint.blocking-calls]\n"{key}" = "x"\n', encoding="utf-8")
    (tmp_path / "sample.py").write_text("pass\n", encoding="utf-8")
    result = run_cli(["sample.py"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "key must be a fully qualified dotted name" in result.stderr


TYPED_BY_RETURN = """\
import ssl
import urllib3


async def connect(cafile, url):
    context = ssl.create_default_context()
    context.load_verify_locations(cafile)
    context.set_ciphers("ECDHE")
    pool = urllib3.connection_from_url(url)
    pool.urlopen("GET", "/")
    pool.close()
"""


def test_stdlib_return_types_reach_the_methods_called_on_the_result(tmp_path: Path) -> None:
    found = findings(tmp_path, TYPED_BY_RETURN, select="AIO1")
    assert [(line, code) for line, code, _ in found] == [(6, "AIO103"), (7, "AIO103"), (10, "AIO101")]
    assert "`ssl.SSLContext.load_verify_locations`" in found[1][2]


QUEUES = """\
import queue


async def hand_off(item, size):
    queue.Queue().put(item)
    queue.Queue(0).put(item)
    queue.LifoQueue(maxsize=-1).put(item)
    queue.PriorityQueue(maxsize=1).put(item)
    queue.Queue(size).put(item)
    queue.Queue().get()
"""


def test_put_on_a_queue_without_maxsize_is_not_a_blocking_wait(tmp_path: Path) -> None:
    found = findings(tmp_path, QUEUES, select="AIO107")
    assert [line for line, _, _ in found] == [8, 9, 10]


REDIS = """\
import redis


async def count(key):
    client = redis.Redis(host="db")
    strict = redis.StrictRedis()
    return client.incr(key), strict
"""


def test_creating_a_redis_client_is_not_reported_only_its_commands(tmp_path: Path) -> None:
    found = findings(tmp_path, REDIS, select="AIO106")
    assert [(line, message.split("`")[1]) for line, _, message in found] == [(7, "redis.Redis.incr")]


ANNOTATED_TASK = """\
import asyncio


async def job():
    await asyncio.sleep(0)


async def start(loop: asyncio.AbstractEventLoop):
    task: asyncio.Task = loop.create_task(job())
    kept: asyncio.Task = loop.create_task(job())
    await kept
"""


def test_annotated_assignment_of_a_task_never_used_is_aio301(tmp_path: Path) -> None:
    found = findings(tmp_path, ANNOTATED_TASK, select="AIO301")
    assert [(line, code) for line, code, _ in found] == [(9, "AIO301")]


ARCHIVES = """\
import io
import tarfile
import zipfile


async def pack(name, payload):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", payload)
    tarfile.open(fileobj=io.BytesIO(payload))
    zipfile.ZipFile(name)
    tarfile.open(name, "r:gz")
"""


def test_an_archive_is_file_io_unless_it_is_opened_on_a_buffer_in_memory(tmp_path: Path) -> None:
    found = findings(tmp_path, ARCHIVES, select="AIO103")
    assert [line for line, _, _ in found] == [11, 12]
