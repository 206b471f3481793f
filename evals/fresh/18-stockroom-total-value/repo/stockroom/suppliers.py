"""Suppliers and what they deliver."""

from dataclasses import dataclass, field


@dataclass
class Supplier:
    name: str
    email: str = ""
    lead_time_days: int = 7
    skus: list = field(default_factory=list)


class SupplierBook:
    def __init__(self):
        self._by_name = {}

    def add(self, supplier):
        self._by_name[supplier.name.lower()] = supplier
        return supplier

    def find(self, name):
        return self._by_name.get(name.lower())

    def suppliers_for(self, sku):
        return [s for s in self._by_name.values() if sku in s.skus]

    def fastest_for(self, sku):
        candidates = self.suppliers_for(sku)
        return min(candidates, key=lambda s: s.lead_time_days) if candidates else None
