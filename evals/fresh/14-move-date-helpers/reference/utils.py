"""Assorted helpers for the diary tools."""

import re

from dates import format_date, parse_date  # noqa: F401  (kept for older imports)


def normalize_space(text):
    """Collapse runs of whitespace into single spaces and strip the ends."""
    return re.sub(r"\s+", " ", text).strip()


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
