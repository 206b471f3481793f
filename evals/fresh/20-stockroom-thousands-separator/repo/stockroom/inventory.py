"""The inventory: items on hand, keyed by SKU."""

from .errors import InsufficientStockError, UnknownSkuError, ValidationError
from .sku import is_valid_sku, normalize_sku


class Inventory:
    def __init__(self, items=()):
        self._items = {}
        for item in items:
            self.add_item(item)

    def add_item(self, item):
        sku = normalize_sku(item.sku)
        if not is_valid_sku(sku):
            raise ValidationError(f"invalid SKU {item.sku!r}")
        if sku in self._items:
            raise ValidationError(f"duplicate SKU {sku}")
        if item.quantity < 0:
            raise ValidationError("quantity cannot be negative")
        item.sku = sku
        self._items[sku] = item
        return item

    def get(self, sku):
        try:
            return self._items[normalize_sku(sku)]
        except KeyError:
            raise UnknownSkuError(sku) from None

    def receive(self, sku, quantity):
        """Add units of an item; returns the new quantity on hand."""
        if quantity <= 0:
            raise ValidationError("quantity must be positive")
        item = self.get(sku)
        item.quantity += quantity
        return item.quantity

    def remove(self, sku, quantity):
        """Take units of an item out; returns the new quantity on hand."""
        if quantity <= 0:
            raise ValidationError("quantity must be positive")
        item = self.get(sku)
        if quantity > item.quantity:
            raise InsufficientStockError(f"only {item.quantity} of {item.sku} on hand")
        item.quantity -= quantity
        return item.quantity

    def items(self):
        """All items, sorted by SKU."""
        return sorted(self._items.values(), key=lambda item: item.sku)

    def total_units(self):
        return sum(item.quantity for item in self._items.values())

    def total_value_cents(self):
        """Value of everything on hand."""
        return sum(item.value_cents() for item in self._items.values())

    def __len__(self):
        return len(self._items)

    def __contains__(self, sku):
        return normalize_sku(sku) in self._items
