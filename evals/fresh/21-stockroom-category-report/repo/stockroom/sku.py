"""SKU helpers. A SKU looks like ABC-1234: three letters, a dash, four digits."""

import re

_PATTERN = re.compile(r"[A-Z]{3}-[0-9]{4}")


def normalize_sku(raw):
    """Upper-case a SKU and strip surrounding whitespace."""
    return str(raw).strip().upper()


def is_valid_sku(raw):
    return _PATTERN.fullmatch(normalize_sku(raw)) is not None


def sku_prefix(raw):
    """The three-letter product family of a SKU."""
    return normalize_sku(raw).split("-", 1)[0]
