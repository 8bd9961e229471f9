"""A run over files: discovering them, checking them in worker processes, the content
cache, and re-checking only what an edit affects."""
