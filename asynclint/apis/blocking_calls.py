"""What blocks the event loop, and what to use instead.

Pure data. The blocking-call check looks callees up here after resolving them through
imports; adding a blocking API means adding a row, never code.

Names are fully qualified. ``X.method`` also matches a method called on an instance of
``X`` (the resolver gives ``X(...)`` the name ``X``, or the type in RETURNS), and a trailing
``.*`` matches every attribute below the prefix. A queue created without a size has its own
name, ``queue.Queue(maxsize=0)`` (see UNBOUNDED_WITHOUT), so that its ``put`` is left out.
"""
from __future__ import annotations

from typing import Dict, Iterable, Tuple

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


def _table(rows: Iterable[Tuple[str, str]], code: str, suggestion: str, fix: str) -> Dict[str, Entry]:
    """One entry for every ``prefix.name`` of (prefix, "name name ...") rows."""
    return {f"{prefix}.{name}": (code, suggestion, fix) for prefix, names in rows for name in names.split()}


def _many(prefix: str, names: str, code: str, suggestion: str, fix: str) -> Dict[str, Entry]:
    return _table([(prefix, names)], code, suggestion, fix)


def _each(names: str, code: str, suggestion: str, fix: str) -> Dict[str, Entry]:
    """One entry for several fully qualified names, so a shared entry is written once."""
    return {name: (code, suggestion, fix) for name in names.split()}


_HTTP_VERBS = "get post put patch delete head options request"
# Every method of urllib3's pool classes that sends a request, under both of each class's
# names (an annotation `pool: HTTPConnectionPool` keeps the name it was imported by).
_URLLIB3_POOLS = (
    "urllib3.PoolManager urllib3.ProxyManager urllib3.HTTPConnectionPool urllib3.HTTPSConnectionPool"
    " urllib3.poolmanager.PoolManager urllib3.poolmanager.ProxyManager"
    " urllib3.connectionpool.HTTPConnectionPool urllib3.connectionpool.HTTPSConnectionPool"
).split()
_URLLIB3_SENDS = "request request_encode_url request_encode_body urlopen"


def _httpx(module: str) -> Dict[str, Entry]:
    """httpx and httpx2, its maintained fork, have the same sync API."""
    rows = [(module, _HTTP_VERBS + " stream"), (module + ".Client", _HTTP_VERBS + " send stream")]
    return _table(rows, "AIO101", f"{module}.AsyncClient or {_TO_THREAD}", "to_thread")


# The queue classes whose put() waits when a maximum size is set. Called with no maxsize
# (or a literal 0 or less) they are unbounded: the resolver names that instance
# "queue.Queue(maxsize=0)" (UNBOUNDED_WITHOUT), whose put() never waits.
_QUEUES = ("Queue", "LifoQueue", "PriorityQueue")


def _queue(kind: str) -> Dict[str, Entry]:
    rows = [(f"queue.{kind}", "get put join"), (f"queue.{kind}(maxsize=0)", "get join")]
    return _table(rows, "AIO107", f"asyncio.{kind}", "")


# An open file: what open() and its kin return (RETURNS) and what a file type annotation
# declares (DECLARED_AS). The parentheses keep it from matching any importable name; it
# is shown as `open()`.
FILE_OBJECT = "builtins.open()"
# Its methods that read, write or move in the file. fileno, tell, isatty, readable,
# writable and seekable do no I/O (tell only asks the buffer) and are left out.
_FILE_METHODS = "read read1 readinto readinto1 readline readlines write writelines seek truncate flush close"
_FILE_USE = "aiofiles, or move the code that uses the file into a function run with " + _TO_THREAD

_CERTIFICATES = "await asyncio.to_thread(...) once, and reuse the context"
_IMPORT = "an import at module level or " + _TO_THREAD


BLOCKING_CALLS: Dict[str, Entry] = {
    # AIO100: sleeping
    "time.sleep": ("AIO100", "await asyncio.sleep(...)", "sleep"),
    # AIO101: network and HTTP
    **_many("requests", _HTTP_VERBS, "AIO101", _HTTP, "to_thread"),
    **_many("requests.Session", _HTTP_VERBS + " send", "AIO101", _HTTP, "to_thread"),
    **_many("requests.sessions.Session", _HTTP_VERBS + " send", "AIO101", _HTTP, "to_thread"),
    **_many("requests.api", _HTTP_VERBS, "AIO101", _HTTP, "to_thread"),
    **_each(
        "urllib.request.urlopen urllib.request.urlretrieve urllib.request.OpenerDirector.open"
        " urllib.request.build_opener.open urllib3.request",
        "AIO101",
        _HTTP,
        "to_thread",
    ),
    **_table([(pool, _URLLIB3_SENDS) for pool in _URLLIB3_POOLS], "AIO101", _HTTP, "to_thread"),
    **_httpx("httpx"),
    **_httpx("httpx2"),
    **_many("http.client.HTTPConnection", "request getresponse connect", "AIO101", _HTTP, "to_thread"),
    **_many("http.client.HTTPSConnection", "request getresponse connect", "AIO101", _HTTP, "to_thread"),
    "socket.create_connection": ("AIO101", "asyncio.open_connection(...) or loop.getaddrinfo", "to_thread"),
    "socket.getaddrinfo": ("AIO101", "await loop.getaddrinfo(...)", "to_thread"),
    "socket.gethostbyname": ("AIO101", "await loop.getaddrinfo(...)", "to_thread"),
    "socket.gethostbyname_ex": ("AIO101", "await loop.getaddrinfo(...)", "to_thread"),
    "socket.gethostbyaddr": ("AIO101", "await loop.getnameinfo(...)", "to_thread"),
    **_each("smtplib.SMTP smtplib.SMTP_SSL smtplib.SMTP.* smtplib.SMTP_SSL.*", "AIO101", "aiosmtplib or " + _TO_THREAD, "to_thread"),
    **_each("ftplib.FTP ftplib.FTP_TLS ftplib.FTP.* ftplib.FTP_TLS.*", "AIO101", "aioftp or " + _TO_THREAD, "to_thread"),
    # AIO102: processes. Popen and the os.* family get no automatic fix: their results are
    # handles or need the child, and moving them to a thread alone is rarely right.
    **_many("subprocess", "run call check_call check_output getoutput getstatusoutput", "AIO102", _PROC, "to_thread"),
    "subprocess.Popen": ("AIO102", _PROC, ""),
    "os.system": ("AIO102", _PROC, "to_thread"),
    "os.popen": ("AIO102", _PROC, ""),
    **_many("os", "spawnl spawnle spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe", "AIO102", _PROC, ""),
    **_many("os", "posix_spawn posix_spawnp", "AIO102", _PROC, ""),
    **_many("os", "wait wait3 wait4 waitid waitpid", "AIO102", _PROC, ""),
    # AIO103: file I/O. Calls that return an open file (open(), a temporary file, an
    # archive) get no automatic fix: its reads block too, so moving the call alone would
    # not help. One-shot calls are fixed.
    **_each(
        "builtins.open io.open io.open_code os.fdopen pathlib.Path.open zipfile.ZipFile tarfile.open tarfile.TarFile.open"
        " tempfile.TemporaryFile tempfile.NamedTemporaryFile",
        "AIO103",
        _FILE,
        "",
    ),
    # Reads and writes on an open file. No automatic fix: the file's other uses, and often
    # the open, would have to move to the thread with them.
    **_many(FILE_OBJECT, _FILE_METHODS, "AIO103", _FILE_USE, ""),
    **_many("pathlib.Path", "read_text read_bytes write_text write_bytes", "AIO103", _FILE, "to_thread"),
    **_many("shutil", "copy copy2 copyfile copyfileobj copymode copystat copytree move rmtree", "AIO103", _FILE, "to_thread"),
    "tempfile.mkstemp": ("AIO103", _TO_THREAD, "to_thread"),
    # Certificates, the tz database, translations, MIME tables and installed packages'
    # metadata are files read on the call.
    **_each(
        "ssl.create_default_context ssl.SSLContext.load_verify_locations ssl.SSLContext.load_default_certs"
        " ssl.SSLContext.load_cert_chain ssl.SSLContext.set_default_verify_paths",
        "AIO103",
        _CERTIFICATES,
        "to_thread",
    ),
    **_each("zoneinfo.ZoneInfo zoneinfo.ZoneInfo.no_cache", "AIO103", "the zone created once, at import, or " + _TO_THREAD, "to_thread"),
    **_each("gettext.translation gettext.install mimetypes.init", "AIO103", _TO_THREAD + " once, at start-up", "to_thread"),
    "importlib.import_module": ("AIO103", _IMPORT, "to_thread"),
    **_many(
        "importlib.metadata",
        "version metadata distribution distributions entry_points files requires",
        "AIO103",
        _TO_THREAD + " once, at start-up",
        "to_thread",
    ),
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
    # Path.expanduser reads the password database when HOME is not set or for "~user".
    **_many(
        "pathlib.Path",
        "exists is_file is_dir is_symlink stat lstat mkdir unlink rmdir rename replace touch iterdir glob rglob"
        " resolve samefile owner group chmod symlink_to hardlink_to readlink expanduser",
        "AIO104",
        _FS,
        "to_thread",
    ),
    "tempfile.mkdtemp": ("AIO104", _FS, "to_thread"),
    "tempfile.TemporaryDirectory": ("AIO104", _FS, ""),
    # AIO105: console input
    **_each("builtins.input getpass.getpass", "AIO105", _INPUT, "to_thread"),
    **_many("sys.stdin", "read readline readlines", "AIO105", _INPUT, "to_thread"),
    # AIO106: sync database and cache clients. Creating a redis client opens no connection
    # (its pool connects on the first command), so only the commands are listed.
    "sqlite3.connect": ("AIO106", "aiosqlite", "to_thread"),
    "psycopg2.connect": ("AIO106", "asyncpg or psycopg's async API", "to_thread"),
    **_each("pymysql.connect MySQLdb.connect", "AIO106", "aiomysql or asyncmy", "to_thread"),
    **_each("redis.Redis.* redis.StrictRedis.* redis.client.Redis.*", "AIO106", "redis.asyncio", "to_thread"),
    **_each("pymongo.MongoClient pymongo.MongoClient.*", "AIO106", "motor or pymongo's AsyncMongoClient", "to_thread"),
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
    **_queue("Queue"),
    **_queue("LifoQueue"),
    **_queue("PriorityQueue"),
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
    **dict.fromkeys(("urllib3.proxy_from_url", "urllib3.poolmanager.proxy_from_url"), "urllib3.ProxyManager"),
    **dict.fromkeys(
        (
            "urllib3.connection_from_url",
            "urllib3.connectionpool.connection_from_url",
            "urllib3.PoolManager.connection_from_url",
            "urllib3.PoolManager.connection_from_host",
        ),
        "urllib3.HTTPConnectionPool",
    ),
    "ssl.create_default_context": "ssl.SSLContext",
    # SpooledTemporaryFile is left out: it stays in memory (for ever with the default
    # max_size=0), like io.BytesIO and io.StringIO, which are not files either.
    **dict.fromkeys(
        (
            "builtins.open", "io.open", "io.open_code", "os.fdopen", "pathlib.Path.open",
            "tempfile.TemporaryFile", "tempfile.NamedTemporaryFile",
        ),
        FILE_OBJECT,
    ),
}

# What a value annotated with these types is. Only for annotations: calling one of the io
# classes may wrap a buffer in memory (io.TextIOWrapper(io.BytesIO())), which reads no file.
DECLARED_AS: Dict[str, str] = dict.fromkeys(
    [f"{module}.{name}" for module in ("typing", "typing_extensions") for name in ("IO", "TextIO", "BinaryIO")]
    + [
        f"io.{name}"
        for name in (
            "IOBase", "RawIOBase", "BufferedIOBase", "TextIOBase", "FileIO", "BufferedReader", "BufferedWriter",
            "BufferedRandom", "BufferedRWPair", "TextIOWrapper",
        )
    ],
    FILE_OBJECT,
)

# Constructors that make an unbounded queue when called without their size argument, or
# with a literal 0 or less: (keyword, position) of that argument. The resolver names such
# an instance "<class>(maxsize=0)", whose put() never waits (only get() and join() do);
# any other size, a computed one included, leaves the class name, whose put() can wait.
UNBOUNDED_WITHOUT: Dict[str, Tuple[str, int]] = {f"queue.{kind}": ("maxsize", 0) for kind in _QUEUES}

# An archive opened on a buffer in memory reads no file: the parameter that can be an open
# file object instead of a name, as (keyword, position), and the types that are such buffers.
FILE_OBJECT_ARGUMENTS: Dict[str, Tuple[str, int]] = {
    "zipfile.ZipFile": ("file", 0),
    "tarfile.open": ("fileobj", 2),
    "tarfile.TarFile.open": ("fileobj", 2),
}
IN_MEMORY_FILES = frozenset({"io.BytesIO", "io.StringIO"})

# Types whose `/` operator gives the same type back.
DIVISION_PRESERVES = frozenset({"pathlib.Path"})
