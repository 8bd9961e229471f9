"""Fixes: the rewrites checks build, the editor that composes them, which ones a run may
apply, removing imports they orphan, and writing a fixed file without ever losing data."""
