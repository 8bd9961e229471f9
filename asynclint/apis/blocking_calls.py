"""What blocks the event loop, and what to use instead.

Pure data. The blocking-call check looks callees up here after resolving them through
imports; adding a blocking API means adding a row, never code.

Names are fully qualified. ``X.method`` also matches a method called on an instance of
``X`` (the resolver gives ``X(...)`` the name ``X``), and a trailing ``.*`` matches every
attribute below the prefix.
"""
from __future__ import annotations

from typing import Dict, Tuple

# Fix kinds the fixer understands: "sleep" (await asyncio.sleep), "to_thread"
# (await asyncio.to_thread(f, ...)), "await_argument" (await the coroutine argument),
# "" (no automatic fix).
Entry = Tuple[str, str, str]  # (code, suggestion, fix kind)

_TO_THREAD = "await asyncio.to_thread(...)"
_HTTP = "an async client (aiohttp, httpx.AsyncClient) or " + _TO_THREAD
_PROC = "asyncio.create_subprocess_exec/create_subprocess_shell"
_FILE = "asyncio.to_thread(...) or aiofiles"
_FS = _TO_THREAD
_INPUT = _TO_THREAD + " or an async stream reader"
_LOCK = "an asyncio primitive (asyncio.Lock, asyncio.Event, asyncio.Queue, ...) or asyncio.wrap_future"


def _many(prefix: str, names: str, code: str, suggestion: str, fix: str) -> Dict[str, Entry]:
    return {f"{prefix}.{name}": (code, suggestion, fix) for name in names.split()}


_HTTP_VERBS = "get post put patch delete head options request"

BLOCKING_CALLS: Dict[str, Entry] = {
    # AIO100: sleeping
    "time.sleep": ("AIO100", "await asyncio.sleep(...)", "sleep"),
    # AIO101: network and HTTP
    **_many("requests", _HTTP_VERBS, "AIO101", _HTTP, "to_thread"),
    **_many("requests.Session", _HTTP_VERBS + " send", "AIO101", _HTTP, "to_thread"),
    **_many("requests.sessions.Session", _HTTP_VERBS + " send", "AIO101", _HTTP, "to_thread"),
    **_many("requests.api", _HTTP_VERBS, "AIO101", _HTTP, "to_thread"),
    "urllib.request.urlopen": ("AIO101", _HTTP, "to_thread"),
    "urllib.request.urlretrieve": ("AIO101", _HTTP, "to_thread"),
    "urllib.request.OpenerDirector.open": ("AIO101", _HTTP, "to_thread"),
    "urllib.request.build_opener.open": ("AIO101", _HTTP, "to_thread"),
    "urllib3.request": ("AIO101", _HTTP, "to_thread"),
    "urllib3.PoolManager.request": ("AIO101", _HTTP, "to_thread"),
    "urllib3.PoolManager.urlopen": ("AIO101", _HTTP, "to_thread"),
    "urllib3.poolmanager.PoolManager.request": ("AIO101", _HTTP, "to_thread"),
    "urllib3.HTTPConnectionPool.request": ("AIO101", _HTTP, "to_thread"),
    "urllib3.HTTPSConnectionPool.request": ("AIO101", _HTTP, "to_thread"),
    **_many("httpx", _HTTP_VERBS + " stream", "AIO101", "httpx.AsyncClient or " + _TO_THREAD, "to_thread"),
    **_many("httpx.Client", _HTTP_VERBS + " send stream", "AIO101", "httpx.AsyncClient or " + _TO_THREAD, "to_thread"),
    **_many("http.client.HTTPConnection", "request getresponse connect", "AIO101", _HTTP, "to_thread"),
    **_many("http.client.HTTPSConnection", "request getresponse connect", "AIO101", _HTTP, "to_thread"),
    "socket.create_connection": ("AIO101", "asyncio.open_connection(...) or loop.getaddrinfo", "to_thread"),
    "socket.getaddrinfo": ("AIO101", "await loop.getaddrinfo(...)", "to_thread"),
    "socket.gethostbyname": ("AIO101", "await loop.getaddrinfo(...)", "to_thread"),
    "socket.gethostbyname_ex": ("AIO101", "await loop.getaddrinfo(...)", "to_thread"),
    "socket.gethostbyaddr": ("AIO101", "await loop.getnameinfo(...)", "to_thread"),
    "smtplib.SMTP": ("AIO101", "aiosmtplib or " + _TO_THREAD, "to_thread"),
    "smtplib.SMTP_SSL": ("AIO101", "aiosmtplib or " + _TO_THREAD, "to_thread"),
    "smtplib.SMTP.*": ("AIO101", "aiosmtplib or " + _TO_THREAD, "to_thread"),
    "smtplib.SMTP_SSL.*": ("AIO101", "aiosmtplib or " + _TO_THREAD, "to_thread"),
    "ftplib.FTP": ("AIO101", "aioftp or " + _TO_THREAD, "to_thread"),
    "ftplib.FTP_TLS": ("AIO101", "aioftp or " + _TO_THREAD, "to_thread"),
    "ftplib.FTP.*": ("AIO101", "aioftp or " + _TO_THREAD, "to_thread"),
    "ftplib.FTP_TLS.*": ("AIO101", "aioftp or " + _TO_THREAD, "to_thread"),
    # AIO102: processes. Popen and the os.* family get no automatic fix: their results are
    # handles or need the child, and moving them to a thread alone is rarely right.
    **_many("subprocess", "run call check_call check_output getoutput getstatusoutput", "AIO102", _PROC, "to_thread"),
    "subprocess.Popen": ("AIO102", _PROC, ""),
    "os.system": ("AIO102", _PROC, "to_thread"),
    "os.popen": ("AIO102", _PROC, ""),
    **_many("os", "spawnl spawnle spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe", "AIO102", _PROC, ""),
    **_many("os", "posix_spawn posix_spawnp", "AIO102", _PROC, ""),
    **_many("os", "wait wait3 wait4 waitid waitpid", "AIO102", _PROC, ""),
    # AIO103: file I/O. open() returns a handle whose reads block too, so moving the call
    # alone would not help: no automatic fix; one-shot calls are fixed.
    "builtins.open": ("AIO103", _FILE, ""),
    "io.open": ("AIO103", _FILE, ""),
    "os.fdopen": ("AIO103", _FILE, ""),
    **_many("pathlib.Path", "open", "AIO103", _FILE, ""),
    **_many("pathlib.Path", "read_text read_bytes write_text write_bytes", "AIO103", _FILE, "to_thread"),
    **_many("shutil", "copy copy2 copyfile copyfileobj copymode copystat copytree move rmtree", "AIO103", _FILE, "to_thread"),
    # AIO104: filesystem metadata
    **_many(
        "os.path",
        "exists lexists isfile isdir islink ismount getsize getmtime getatime getctime realpath samefile",
        "AIO104",
        _FS,
        "to_thread",
    ),
    **_many(
        "os",
        "stat lstat access listdir scandir walk makedirs mkdir remove unlink rename replace rmdir removedirs chmod chown",
        "AIO104",
        _FS,
        "to_thread",
    ),
    **_many("glob", "glob iglob", "AIO104", _FS, "to_thread"),
    **_many(
        "pathlib.Path",
        "exists is_file is_dir stat lstat mkdir unlink rmdir rename replace touch iterdir glob rglob",
        "AIO104",
        _FS,
        "to_thread",
    ),
    # AIO105: console input
    "builtins.input": ("AIO105", _INPUT, "to_thread"),
    "getpass.getpass": ("AIO105", _INPUT, "to_thread"),
    "sys.stdin.read": ("AIO105", _INPUT, "to_thread"),
    "sys.stdin.readline": ("AIO105", _INPUT, "to_thread"),
    "sys.stdin.readlines": ("AIO105", _INPUT, "to_thread"),
    # AIO106: sync database and cache clients
    "sqlite3.connect": ("AIO106", "aiosqlite", "to_thread"),
    "psycopg2.connect": ("AIO106", "asyncpg or psycopg's async API", "to_thread"),
    "pymysql.connect": ("AIO106", "aiomysql or asyncmy", "to_thread"),
    "MySQLdb.connect": ("AIO106", "aiomysql or asyncmy", "to_thread"),
    "redis.Redis": ("AIO106", "redis.asyncio", "to_thread"),
    "redis.StrictRedis": ("AIO106", "redis.asyncio", "to_thread"),
    "redis.Redis.*": ("AIO106", "redis.asyncio", "to_thread"),
    "redis.StrictRedis.*": ("AIO106", "redis.asyncio", "to_thread"),
    "redis.client.Redis": ("AIO106", "redis.asyncio", "to_thread"),
    "redis.client.Redis.*": ("AIO106", "redis.asyncio", "to_thread"),
    "pymongo.MongoClient": ("AIO106", "motor or pymongo's AsyncMongoClient", "to_thread"),
    "pymongo.MongoClient.*": ("AIO106", "motor or pymongo's AsyncMongoClient", "to_thread"),
    # AIO107: blocking waits on thread primitives. Moving these to a thread alone would
    # change what they protect, so there is no automatic fix.
    **_many("threading.Lock", "acquire", "AIO107", _LOCK, ""),
    **_many("threading.RLock", "acquire", "AIO107", _LOCK, ""),
    **_many("threading.Semaphore", "acquire", "AIO107", _LOCK, ""),
    **_many("threading.BoundedSemaphore", "acquire", "AIO107", _LOCK, ""),
    **_many("threading.Condition", "acquire wait wait_for", "AIO107", _LOCK, ""),
    **_many("threading.Event", "wait", "AIO107", _LOCK, ""),
    **_many("threading.Thread", "join", "AIO107", _LOCK, ""),
    **_many("threading.Barrier", "wait", "AIO107", _LOCK, ""),
    **_many("queue.Queue", "get put join", "AIO107", "asyncio.Queue", ""),
    **_many("queue.LifoQueue", "get put join", "AIO107", "asyncio.LifoQueue", ""),
    **_many("queue.PriorityQueue", "get put join", "AIO107", "asyncio.PriorityQueue", ""),
    # SimpleQueue is unbounded: put() never waits, only get() does.
    "queue.SimpleQueue.get": ("AIO107", "asyncio.Queue", ""),
    "concurrent.futures.Future.result": ("AIO107", "await asyncio.wrap_future(future)", ""),
    "concurrent.futures.Future.exception": ("AIO107", "await asyncio.wrap_future(future)", ""),
    "concurrent.futures.wait": ("AIO107", "asyncio.wait over asyncio.wrap_future(...)", ""),
    "concurrent.futures.as_completed": ("AIO107", "asyncio.as_completed over asyncio.wrap_future(...)", ""),
    # AIO108: a nested event loop
    "asyncio.run": ("AIO108", "`await coroutine` directly", "await_argument"),
    "asyncio.AbstractEventLoop.run_until_complete": ("AIO108", "`await coroutine` directly", "await_argument"),
    "asyncio.AbstractEventLoop.run_forever": ("AIO108", "`await` on the work itself instead of running the loop", ""),
}

# Methods recognised by name alone when the receiver cannot be resolved (a parameter, an
# attribute): no other API in common use has these names.
BLOCKING_METHOD_NAMES: Dict[str, Tuple[str, Entry]] = {
    "run_until_complete": ("loop.run_until_complete", ("AIO108", "`await coroutine` directly", "await_argument")),
    "run_forever": ("loop.run_forever", ("AIO108", "`await` on the work itself instead of running the loop", "")),
}

# Context managers whose `with` blocks the loop while it waits (AIO107).
BLOCKING_CONTEXT_MANAGERS: Dict[str, Entry] = {
    name: ("AIO107", _LOCK, "")
    for name in (
        "threading.Lock",
        "threading.RLock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "threading.Condition",
    )
}

# What calling or reading these gives back, so chains such as Path(p).parent.read_text()
# and asyncio.get_event_loop().run_until_complete(...) resolve to the right type.
RETURNS: Dict[str, str] = {
    **{f"pathlib.Path.{name}": "pathlib.Path" for name in (
        "parent", "cwd", "home", "resolve", "absolute", "expanduser", "with_name",
        "with_suffix", "with_stem", "joinpath", "relative_to",
    )},
    "pathlib.PurePath": "pathlib.Path",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.AbstractEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.BaseEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.SelectorEventLoop": "asyncio.AbstractEventLoop",
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "threading.Thread.start": "threading.Thread",
    "concurrent.futures.ThreadPoolExecutor.submit": "concurrent.futures.Future",
    "concurrent.futures.ProcessPoolExecutor.submit": "concurrent.futures.Future",
    "concurrent.futures.Executor.submit": "concurrent.futures.Future",
    "asyncio.run_coroutine_threadsafe": "concurrent.futures.Future",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
}

# Types whose `/` operator gives the same type back.
DIVISION_PRESERVES = frozenset({"pathlib.Path"})
