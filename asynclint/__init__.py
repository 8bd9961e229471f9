"""asynclint: finds asyncio misuse in Python code and fixes it."""

__version__ = "0.1.0"
