"""Every rule's valid and invalid examples, including the subtle cases its page in rules/
discusses; checked in-process through ``asynclint.api`` (see tests/rule_examples.py).

Adding a rule adds an entry to EXAMPLES (``test_every_rule_has_examples`` insists).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest

from asynclint import api
from asynclint.checks.blocking import calls as blocking
from asynclint.codes import FILE_ERROR_CODES, RULES
from asynclint.config import Settings

from rule_examples import Example, assert_examples


@dataclasses.dataclass
class Examples:
    valid: Sequence[Example]
    invalid: Sequence[Example]
    settings: Optional[Settings] = None


EXAMPLES: Dict[str, Examples] = {}

EXAMPLES["AIO100"] = Examples(
    valid=[
        """
        import asyncio, time

        def helper():
            time.sleep(1)  # a plain def runs wherever it is called

        async def f():
            await asyncio.sleep(1)
            def nested():
                time.sleep(1)
            return lambda: time.sleep(1)
        """,
        """
        import time

        async def f(sleep):
            sleep(1)  # a parameter, not time.sleep
            time = object()
            time.sleep(1)
        """,
    ],
    invalid=[
        """
        import time

        async def f():
            time.sleep(1)  # error: AIO100
        """,
        """
        import time as t
        from time import sleep

        async def f():
            t.sleep(1)  # error: AIO100
            sleep(2)  # error: AIO100
        """,
    ],
)

EXAMPLES["AIO101"] = Examples(
    valid=[
        """
        import requests

        def fetch(url):
            return requests.get(url)

        async def f(session, url):
            return session.get(url)  # an unannotated parameter: its type is unknown
        """,
        """
        import httpx

        async def f(url):
            async with httpx.AsyncClient() as client:
                return await client.get(url)
        """,
        """
        from typing import Optional, Union
        import httpx

        async def f(url, client: httpx.AsyncClient | None, either: Union[httpx.Client, httpx.AsyncClient]):
            either.get(url)  # two real types: which one is unknown
            return await client.get(url)
        """,
        """
        import httpx

        async def f(url, broken: "httpx.Client("):
            return broken.get(url)  # a string that is not an expression: unknown
        """,
    ],
    invalid=[
        """
        from typing import Annotated, Optional, Union
        import httpx

        def make():
            return httpx.Client()

        async def f(url, a: Optional[httpx.Client], b: Union[None, httpx.Client], c: "httpx.Client | None",
                    d: Annotated[httpx.Client, "shared"]):
            a.get(url)  # error: AIO101
            b.get(url)  # error: AIO101
            c.get(url)  # error: AIO101
            d.get(url)  # error: AIO101
            e: httpx.Client = make()
            e.get(url)  # error: AIO101
        """,
        """
        from requests import get
        import socket

        async def f(url, host):
            get(url)  # error: AIO101
            socket.getaddrinfo(host, 80)  # error: AIO101
        """,
        """
        import requests

        async def f(url, given: requests.Session):
            with requests.Session() as session:
                session.get(url)  # error: AIO101
            given.post(url)  # error: AIO101
        """,
    ],
)

EXAMPLES["AIO102"] = Examples(
    valid=[
        """
        import asyncio, subprocess

        async def f():
            process = await asyncio.create_subprocess_exec("ls")
            await process.wait()  # asyncio's process, awaited
        """,
        """
        import subprocess

        async def f():
            def job():
                return subprocess.run(["ls"])
            return job
        """,
    ],
    invalid=[
        """
        import subprocess

        async def f():
            subprocess.run(["ls"])  # error: AIO102
            subprocess.Popen(["ls"])  # error: AIO102
        """,
        """
        import os

        async def f(pid):
            os.system("ls")  # error: AIO102
            os.waitpid(pid, 0)  # error: AIO102
        """,
    ],
)

EXAMPLES["AIO103"] = Examples(
    valid=[
        """
        import asyncio

        def load(path):
            with open(path) as f:
                return f.read()

        async def f(path):
            return await asyncio.to_thread(load, path)
        """,
        """
        async def f(store):
            return store.open("x")  # not the built-in open: a method of an unknown object
        """,
        """
        import io, tempfile
        from typing import IO

        async def f(given: IO[str]):
            buffer = io.BytesIO()
            buffer.write(b"x")  # a buffer in memory
            spooled = tempfile.SpooledTemporaryFile()
            spooled.write(b"x")  # in memory while under max_size (for ever with the default 0)
            return given.fileno(), given.tell()  # no I/O
        """,
    ],
    invalid=[
        """
        import io, os
        from typing import Optional, TextIO

        async def f(path, given: Optional[TextIO], raw: "io.BufferedReader"):
            out = os.fdopen(1, "w")  # error: AIO103
            out.write("x")  # error: AIO103
            out.flush()  # error: AIO103
            given.readline()  # error: AIO103
            raw.read()  # error: AIO103
        """,
        """
        async def f(path):
            with open(path) as f:  # error: AIO103
                return f.read()  # error: AIO103
        """,
        """
        import shutil
        from pathlib import Path

        async def f():
            Path(__file__).parent.joinpath("data.json").read_text()  # error: AIO103
            shutil.copy("a", "b")  # error: AIO103
        """,
    ],
)

EXAMPLES["AIO104"] = Examples(
    valid=[
        """
        import os

        async def f(path):
            name = os.path.join(path, "x")  # pure string work, no file system
            return os.path.basename(name)
        """,
        """
        import os

        def exists(path):
            return os.path.exists(path)
        """,
    ],
    invalid=[
        """
        import os
        import glob

        async def f(path):
            os.path.exists(path)  # error: AIO104
            glob.glob("*.py")  # error: AIO104
        """,
        """
        from pathlib import Path

        async def f(path: Path):
            Path(path).mkdir()  # error: AIO104
            return list(path.iterdir())  # error: AIO104
        """,
    ],
)

EXAMPLES["AIO105"] = Examples(
    valid=[
        """
        def ask():
            return input("name? ")
        """,
        """
        import sys

        async def f():
            sys.stdout.write("x")
            return lambda: input()
        """,
    ],
    invalid=[
        """
        async def f():
            return input("name? ")  # error: AIO105
        """,
        """
        import sys
        import getpass

        async def f():
            sys.stdin.readline()  # error: AIO105
            getpass.getpass()  # error: AIO105
        """,
    ],
)

EXAMPLES["AIO106"] = Examples(
    valid=[
        """
        import sqlite3

        def connect(path):
            return sqlite3.connect(path)
        """,
        """
        import redis.asyncio

        async def f():
            client = redis.asyncio.Redis()
            return await client.get("k")
        """,
    ],
    invalid=[
        """
        import sqlite3

        async def f(path):
            connection = sqlite3.connect(path)  # error: AIO106
            return connection.execute("select 1")  # the connection is not followed
        """,
        """
        import redis

        async def f(url):
            redis.Redis().incr("hits")  # error: AIO106
            client = redis.from_url(url)
            client.get("key")  # error: AIO106
        """,
    ],
)

EXAMPLES["AIO107"] = Examples(
    valid=[
        """
        import threading

        async def f(lock: threading.Lock):
            lock.acquire(blocking=False)  # returns at once
            with threading.Lock():  # created here: nobody else can hold it
                pass
        """,
        """
        import queue

        async def f(q: queue.SimpleQueue, other: queue.Queue):
            q.put(1)  # SimpleQueue.put never waits
            other.get(block=False)
        """,
    ],
    invalid=[
        """
        import threading

        _lock = threading.Lock()

        async def f():
            with _lock:  # error: AIO107
                pass
        """,
        """
        import threading
        from concurrent.futures import ThreadPoolExecutor

        async def f(event: threading.Event, pool: ThreadPoolExecutor, job):
            event.wait()  # error: AIO107
            pool.submit(job).result()  # error: AIO107
        """,
    ],
)

EXAMPLES["AIO108"] = Examples(
    valid=[
        """
        import asyncio

        def main(work):
            asyncio.run(work())  # the program's entry point, not inside a coroutine
        """,
        """
        import asyncio

        async def f(work):
            def in_thread():
                asyncio.run(work())  # a nested def runs wherever it is called
            await asyncio.to_thread(in_thread)
        """,
    ],
    invalid=[
        """
        import asyncio

        async def f(work):
            asyncio.run(work())  # error: AIO108
        """,
        """
        async def f(loop, work):
            loop.run_until_complete(work())  # error: AIO108
            loop.run_forever()  # error: AIO108
        """,
    ],
)

_CONFIGURED = Settings(blocking_calls={
    "legacy_sdk.fetch_report": "legacy_sdk.aio.fetch_report",
    "legacy_sdk.Client.*": "legacy_sdk.aio.Client",
    "time.sleep": "asyncio.sleep",
})

EXAMPLES["AIO109"] = Examples(
    settings=_CONFIGURED,
    valid=[
        """
        import legacy_sdk

        def daily(day):
            return legacy_sdk.fetch_report(day)
        """,
        """
        import legacy_sdk

        async def f(day, client):
            await legacy_sdk.fetch_report(day)  # awaited: not a blocking call
            legacy_sdk.other(day)  # not listed
            client.send()  # unknown receiver
        """,
    ],
    invalid=[
        """
        from legacy_sdk import fetch_report

        async def f(day):
            return fetch_report(day)  # error: AIO109
        """,
        """
        import time
        import legacy_sdk

        async def f(client: legacy_sdk.Client):
            client.send()  # error: AIO109
            time.sleep(1)  # error: AIO109
        """,
    ],
)

EXAMPLES["AIO110"] = Examples(
    valid=[
        """
        import asyncio, time

        def slow():
            time.sleep(1)

        async def f():
            await asyncio.to_thread(slow)  # passed on, not called on the loop

        async def g():
            await asyncio.sleep(0)
        """,
        {
            "app/__init__.py": "",
            "app/util.py": """
                import requests

                def fetch(url):
                    return requests.get(url).json()
                """,
            "app/handlers.py": """
                import asyncio
                from app.util import fetch

                async def handle(url, loop):
                    return await loop.run_in_executor(None, fetch, url)
                """,
        },
    ],
    invalid=[
        """
        import time

        def wait_for_device(device):
            while not device.ready():
                time.sleep(0.1)

        def reset(device):
            wait_for_device(device)

        async def handle_reset(device):
            reset(device)  # error: AIO110
        """,
        {
            "app/__init__.py": "",
            "app/util.py": """
                import time

                def slow_helper(seconds):
                    time.sleep(seconds)

                class Device:
                    def reset(self):
                        slow_helper(1)
                """,
            "app/handlers.py": """
                from app.util import Device, slow_helper

                async def handle(device: Device):
                    slow_helper(1)  # error: AIO110
                    device.reset()  # error: AIO110
                """,
        },
    ],
)

EXAMPLES["AIO200"] = Examples(
    valid=[
        """
        import asyncio

        async def save(record):
            await asyncio.sleep(0)

        async def agen():
            yield 1

        async def f(record):
            await save(record)
            task = asyncio.create_task(save(record))  # passed on: the task runs it
            agen()  # an async generator is not a coroutine
            return task
        """,
        {
            "app/__init__.py": "",
            "app/store.py": """
                def save(record):  # a plain function in the other module
                    return record
                """,
            "app/handlers.py": """
                from app.store import save

                async def handle(record):
                    save(record)
                """,
        },
    ],
    invalid=[
        """
        import asyncio

        async def save(record):
            await asyncio.sleep(0)

        def sync_caller(record):
            save(record)  # error: AIO200
            _ = asyncio.sleep(1)  # error: AIO200
        """,
        {
            "app/__init__.py": "",
            "app/store.py": """
                async def save(record):
                    return record
                """,
            "app/handlers.py": """
                from app.store import save

                async def handle(record):
                    save(record)  # error: AIO200
                    unused = save(record)  # error: AIO200
                """,
        },
    ],
)

EXAMPLES["AIO201"] = Examples(
    settings=Settings(allow_no_await=["example.on_*"]),
    valid=[
        """
        import functools

        class Handler:
            async def handle(self):  # a method: its base class may need it async
                return 1

        @functools.lru_cache
        async def decorated():
            return 1

        async def stub():
            raise NotImplementedError

        async def on_event():  # matches allow-no-await
            return 1
        """,
        """
        async def agen():
            yield 1

        async def awaits(other):
            async with other:
                pass
        """,
    ],
    invalid=[
        """
        async def compute(x):  # error: AIO201
            return x * 2
        """,
        """
        async def outer(other):  # error: AIO201
            async def inner():
                await other()
            return inner
        """,
    ],
)

EXAMPLES["AIO202"] = Examples(
    valid=[
        """
        import asyncio

        async def ready():
            return True

        async def f(q: asyncio.Queue):
            if await ready():
                return q
        """,
        {
            "app/__init__.py": "",
            "app/checks.py": """
                def ready():  # plain in the other module
                    return True
                """,
            "app/main.py": """
                from app.checks import ready

                async def f():
                    while ready():
                        break
                """,
        },
    ],
    invalid=[
        """
        async def ready():
            return True

        def f(items):
            assert not ready()  # error: AIO202
            return [i for i in items if ready()]  # error: AIO202
        """,
        {
            "app/__init__.py": "",
            "app/checks.py": """
                async def ready():
                    return True
                """,
            "app/main.py": """
                from app.checks import ready

                async def f(x):
                    if ready():  # error: AIO202
                        return x if ready() else None  # error: AIO202
                """,
        },
    ],
)

EXAMPLES["AIO300"] = Examples(
    settings=Settings(task_keepers=["example.keep"]),
    valid=[
        """
        import asyncio

        async def job():
            await asyncio.sleep(0)

        async def f(group: asyncio.TaskGroup):
            task = asyncio.create_task(job())
            group.create_task(job())  # the group holds its tasks
            await task
        """,
        """
        import asyncio

        def keep(task):
            return task

        async def f(coroutine):
            keep(asyncio.create_task(coroutine))  # passed on
            return asyncio.ensure_future(coroutine)
        """,
    ],
    invalid=[
        """
        import asyncio

        async def f(coroutine):
            asyncio.create_task(coroutine)  # error: AIO300
        """,
        """
        import asyncio
        from asyncio import ensure_future

        ensure_future(asyncio.sleep(1))  # error: AIO300

        class Service:
            def start(self, coroutine):
                self.loop.create_task(coroutine)  # error: AIO300
        """,
    ],
)

EXAMPLES["AIO301"] = Examples(
    valid=[
        """
        import asyncio

        task = asyncio.create_task(asyncio.sleep(1))  # module level: not reported

        async def f(coroutine):
            kept = asyncio.create_task(coroutine)
            def later():
                return kept  # read in a nested function
            return later
        """,
        """
        import asyncio

        class Service:
            async def start(self, coroutine):
                self.task = asyncio.create_task(coroutine)  # an attribute keeps it
                other = asyncio.ensure_future(coroutine)
                del other  # any later mention counts
        """,
    ],
    invalid=[
        """
        import asyncio

        async def f(coroutine):
            task = asyncio.create_task(coroutine)  # error: AIO301
            await asyncio.sleep(1)
        """,
        """
        import asyncio

        def g(coroutine):
            loop = asyncio.get_event_loop()
            pending = loop.create_task(coroutine)  # error: AIO301
        """,
    ],
)

EXAMPLES["AIO400"] = Examples(
    valid=[
        """
        import asyncio

        async def f(queue: asyncio.Queue):
            while True:
                await queue.get()

        async def g(check):
            while True:
                if check():
                    break
        """,
        """
        async def agen(source):
            while True:
                yield source()  # the consumer's async for sets the pace

        def plain(check):
            while True:
                check()
        """,
    ],
    invalid=[
        """
        async def f(check):
            while True:  # error: AIO400
                if check():
                    raise RuntimeError("a raise is not a way out")
        """,
        """
        async def f(items):
            while 1:  # error: AIO400
                for item in items:
                    if item:
                        break  # leaves the inner loop only
        """,
    ],
)

EXAMPLES["AIO401"] = Examples(
    valid=[
        """
        import asyncio

        async def f(rows):
            for i in range(1_000_000):
                await asyncio.sleep(0)
            for row in rows:  # one loop, no literal bound
                print(row)
        """,
        """
        def plain():
            for i in range(10**6):
                for j in range(3):
                    pass

        async def small():
            for i in range(9_999):
                pass
        """,
    ],
    invalid=[
        """
        async def checksum(data):
            total = 0
            for i in range(10**6):  # error: AIO401
                total += data[i % len(data)]
            return total
        """,
        """
        async def f(rows):
            for row in rows:  # error: AIO401
                for cell in row:
                    print(cell)
        """,
    ],
)

EXAMPLES["AIO500"] = Examples(
    valid=[
        """
        import asyncio

        async def f(source):
            try:
                await source.poll()
            except asyncio.CancelledError:
                if source.closed:
                    raise
            except Exception:
                pass
        """,
        """
        import asyncio

        async def f(source):
            try:
                source.poll_now()  # no await in the try: it cannot be cancelled there
            except BaseException:
                pass
        """,
    ],
    invalid=[
        """
        import asyncio

        async def f(source):
            try:
                await source.poll()
            except (ValueError, asyncio.CancelledError):  # error: AIO500
                pass
        """,
        """
        import asyncio
        import contextlib

        async def f(source):
            try:
                await source.poll()
            except:  # error: AIO500
                print("stopped")
            with contextlib.suppress(asyncio.CancelledError):  # error: AIO500
                await source.poll()
        """,
    ],
)

EXAMPLES["AIO501"] = Examples(
    valid=[
        """
        import asyncio

        def main():
            return asyncio.get_event_loop()
        """,
        """
        import asyncio

        async def f():
            loop = asyncio.get_running_loop()
            return lambda: asyncio.get_event_loop()
        """,
    ],
    invalid=[
        """
        import asyncio

        async def f():
            return asyncio.get_event_loop()  # error: AIO501
        """,
        """
        import asyncio.events
        from asyncio import get_event_loop

        async def f():
            get_event_loop()  # error: AIO501
            asyncio.events.get_event_loop()  # error: AIO501
        """,
    ],
)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_rule_examples(code: str) -> None:
    examples = EXAMPLES[code]
    assert_examples(code, examples.valid, examples.invalid, examples.settings)


def test_every_rule_has_examples() -> None:
    """Two of each at least, so a rule's examples show both sides of what it reports."""
    rules = set(RULES) - FILE_ERROR_CODES
    assert sorted(rules - set(EXAMPLES)) == []
    thin = [code for code, e in EXAMPLES.items() if len(e.valid) < 2 or len(e.invalid) < 2]
    assert thin == []


# -- AIO001-AIO003: about files, not code patterns -------------------------------------------


def test_syntax_error_is_aio001() -> None:
    assert_examples(
        "AIO001",
        valid=["x = (1,\n     2)\n", "(x): int = 1\n"],  # the second: valid, though LibCST's grammar lacks it
        invalid=["def f(:  # error: AIO001\n    pass\n", "x = 1\nprint 'py2'  # error: AIO001\n"],
    )


def test_select_names_the_codes_exactly() -> None:
    """flake8 owns selection: given ``select``, the settings' own selection does not apply."""
    source = "import asyncio, time\n\nasync def f():\n    time.sleep(1)\n    await asyncio.get_event_loop()\n"
    settings = Settings(select=["ALL"])
    assert [f.code for f in api.check_source(source, "m.py", settings)] == ["AIO100", "AIO501"]
    assert [f.code for f in api.check_source(source, "m.py", settings, select=["AIO501"])] == ["AIO501"]


def test_too_complex_source_is_aio002() -> None:
    chain = "x" + ".a" * 201
    assert_examples("AIO002", valid=["x" + ".a" * 200 + "\n"], invalid=[chain + "  # error: AIO002\n"])


def test_undecodable_file_is_aio002_and_the_others_are_still_checked(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b"x = '\xff'\n")
    (tmp_path / "good.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    checked = api.check_paths([str(tmp_path)], Settings(project_root=tmp_path), jobs=1, cache=False)
    assert [(Path(f.path).name, f.code) for f in checked.findings] == [("bad.py", "AIO002"), ("good.py", "AIO100")]
    assert [Path(f.path).name for f in checked.file_errors] == ["bad.py"]


def test_a_failing_check_is_aio003_for_that_file_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, a check can be made to fail: its family stops, the others still report."""
    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("boom")

    monkeypatch.setattr(blocking.BlockingCalls, "visit_Call", broken)
    source = "import asyncio, time\n\nasync def f():\n    time.sleep(1)\n    asyncio.get_event_loop()\n"
    found = api.check_source(source, "m.py", Settings(select=["ALL"]))
    codes = [f.code for f in found]
    assert "AIO003" in codes and "AIO501" in codes and "AIO100" not in codes, found
