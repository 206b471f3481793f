"""A stock item."""

from dataclasses import dataclass


@dataclass
class Item:
    sku: str
    name: str
    price_cents: int
    quantity: int = 0
    category: str = "general"
    reorder_point: int = 5

    def value_cents(self):
        """Value of the units on hand."""
        return self.price_cents * self.quantity

    def is_low(self):
        """True when stock is at or below the reorder point."""
        return self.quantity <= self.reorder_point
