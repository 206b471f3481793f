"""Purchase orders sent to suppliers."""

from dataclasses import dataclass, field

from .money import format_cents


@dataclass
class OrderLine:
    sku: str
    quantity: int
    unit_cost_cents: int

    def total_cents(self):
        return self.quantity * self.unit_cost_cents


@dataclass
class PurchaseOrder:
    number: str
    supplier: str
    lines: list = field(default_factory=list)
    received: bool = False

    def add_line(self, sku, quantity, unit_cost_cents):
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.lines.append(OrderLine(sku, quantity, unit_cost_cents))

    def total_cents(self):
        return sum(line.total_cents() for line in self.lines)

    def summary(self):
        return (
            f"PO {self.number} to {self.supplier}: "
            f"{len(self.lines)} lines, {format_cents(self.total_cents())}"
        )


def receive_order(order, inventory):
    """Book every line of an order into the inventory."""
    if order.received:
        raise ValueError(f"order {order.number} was already received")
    for line in order.lines:
        inventory.receive(line.sku, line.quantity)
    order.received = True
