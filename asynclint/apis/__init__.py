"""Data about other APIs: what blocks the event loop, and what asyncio's own functions do. No logic."""
