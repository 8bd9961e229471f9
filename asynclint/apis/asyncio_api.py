"""Facts about asyncio's own API that the coroutine and task rules need. Pure data."""
from __future__ import annotations

from typing import FrozenSet

# Calling these returns a coroutine: dropping the result means the work never happens.
COROUTINE_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        f"asyncio.{name}"
        for name in (
            "sleep", "wait_for", "wait", "open_connection", "start_server", "open_unix_connection",
            "start_unix_server", "create_subprocess_exec", "create_subprocess_shell", "to_thread",
            "staggered_race",
        )
    }
    | {f"asyncio.{cls}.{method}" for cls, methods in {
        "Lock": ("acquire",),
        "Semaphore": ("acquire",),
        "BoundedSemaphore": ("acquire",),
        "Event": ("wait",),
        "Condition": ("acquire", "wait", "wait_for"),
        "Queue": ("get", "put", "join"),
        "PriorityQueue": ("get", "put", "join"),
        "LifoQueue": ("get", "put", "join"),
        "StreamWriter": ("drain", "wait_closed", "start_tls"),
        "StreamReader": ("read", "readline", "readexactly", "readuntil"),
        "AbstractEventLoop": ("getaddrinfo", "getnameinfo", "sock_recv", "sock_sendall", "sock_connect",
                              "sock_accept", "create_connection", "create_server", "run_in_executor_coroutine",
                              "shutdown_asyncgens", "shutdown_default_executor", "connect_read_pipe",
                              "connect_write_pipe", "subprocess_exec", "subprocess_shell", "sendfile"),
    }.items() for method in methods}
)

# Calls that start a task the event loop holds only weakly.
TASK_SPAWNERS: FrozenSet[str] = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
        "asyncio.AbstractEventLoop.create_task",
    }
)

# Receivers whose create_task keeps the task (structured concurrency).
TASK_GROUPS: FrozenSet[str] = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})

CANCELLED_ERRORS: FrozenSet[str] = frozenset(
    {"asyncio.CancelledError", "asyncio.exceptions.CancelledError", "concurrent.futures.CancelledError"}
)
BROAD_EXCEPTIONS: FrozenSet[str] = frozenset({"builtins.BaseException"})

GET_EVENT_LOOP: FrozenSet[str] = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
