"""Caching helpers for the API client."""
import time


class TTLCache:
    """A cache whose entries expire ttl seconds after they were stored."""

    def __init__(self, ttl, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data = {}

    def put(self, key, value):
        self._data[key] = (value, self.clock() + self.ttl)

    def get(self, key, default=None):
        entry = self._data.get(key)
        if entry is None:
            return default
        value, expires = entry
        if self.clock() >= expires:
            del self._data[key]
            return default
        return value
