"""Shelf labels."""

from .formatting import truncate
from .money import format_cents

LABEL_WIDTH = 28


def shelf_label(item):
    """One line: the item name (cut to fit) and its price, right-aligned."""
    price = format_cents(item.price_cents)
    name = truncate(item.name, LABEL_WIDTH - len(price) - 1)
    return name.ljust(LABEL_WIDTH - len(price)) + price


def label_sheet(items):
    return "\n".join(shelf_label(item) for item in items)
