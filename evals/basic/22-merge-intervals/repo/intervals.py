"""Interval helpers for the room booking calendar.

An interval is a (start, end) tuple with start <= end.
"""


def overlaps(a, b):
    """Return True if intervals a and b share at least one point."""
    return a[0] <= b[1] and b[0] <= a[1]


def length(interval):
    """Return end - start."""
    return interval[1] - interval[0]
