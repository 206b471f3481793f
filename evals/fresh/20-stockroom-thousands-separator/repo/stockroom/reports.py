"""Text reports about the inventory."""

from .formatting import format_table
from .money import format_cents

HEADERS = ["SKU", "Name", "Qty", "Value"]


def stock_rows(items):
    return [[i.sku, i.name, i.quantity, format_cents(i.value_cents())] for i in items]


def stock_report(inventory):
    """The stock report: one row per item (sorted by SKU), then a total value line."""
    table = format_table(HEADERS, stock_rows(inventory.items()))
    return f"{table}\nTotal value: {format_cents(inventory.total_value_cents())}"


def low_stock(inventory):
    """Items at or below their reorder point, sorted by SKU."""
    return [item for item in inventory.items() if item.is_low()]


def low_stock_report(inventory):
    items = low_stock(inventory)
    if not items:
        return "Nothing to reorder."
    return "\n".join(
        f"{i.sku} {i.name}: {i.quantity} left (reorder at {i.reorder_point})" for i in items
    )
