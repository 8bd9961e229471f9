"""One Markdown page per rule code (``AIO100.md`` ...), shipped as package data so the
pages can be read from an installed copy, not only from a checkout."""
