"""Plain synchronous persistence helpers used by service.py.

Nothing here is wrong on its own: these are ordinary functions. The problem is calling
them from a coroutine, which asynclint reports at the call site in service.py.
"""
import json
from pathlib import Path

SNAPSHOT = Path("orders.json")


def save_snapshot(orders):
    SNAPSHOT.write_text(json.dumps(orders))


def checkpoint(orders):
    if orders:
        save_snapshot(orders)
