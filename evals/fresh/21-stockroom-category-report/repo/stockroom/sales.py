"""Sales taken at the till."""

from dataclasses import dataclass


@dataclass
class Sale:
    sku: str
    quantity: int
    price_cents: int
    day: str

    def total_cents(self):
        return self.quantity * self.price_cents


def record_sale(inventory, sku, quantity, day):
    """Take the units out of the inventory and return the Sale."""
    item = inventory.get(sku)
    inventory.remove(sku, quantity)
    return Sale(item.sku, quantity, item.price_cents, day)
