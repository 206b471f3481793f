"""Helpers for the release tooling."""
import re

VERSION_RE = re.compile(r"^\d+(\.\d+)*$")


def is_valid_version(s):
    """Return True if s looks like "1", "1.2", "1.2.3", ..."""
    return bool(VERSION_RE.match(s))


def bump_patch(version):
    """Increase the last component: "1.2.3" -> "1.2.4"."""
    parts = version.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)
