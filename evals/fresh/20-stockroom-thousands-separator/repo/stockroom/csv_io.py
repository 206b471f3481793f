"""Loading and saving items as CSV (columns: sku, name, price, quantity, category)."""

import csv

from .item import Item
from .money import parse_amount, plain_amount

FIELDS = ["sku", "name", "price", "quantity", "category"]


def load_items(path):
    items = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            item = Item(
                sku=row["sku"].strip(),
                name=row["name"].strip(),
                price_cents=parse_amount(row["price"]),
                quantity=int(row.get("quantity") or 0),
                category=(row.get("category") or "general").strip(),
            )
            items.append(item)
    return items


def save_items(path, items):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(FIELDS)
        for item in items:
            writer.writerow(
                [item.sku, item.name, plain_amount(item.price_cents), item.quantity, item.category]
            )
