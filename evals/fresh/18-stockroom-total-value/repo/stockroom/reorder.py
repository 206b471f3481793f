"""What to order, and how much."""


def reorder_quantity(item, target=None):
    """Units needed to bring an item up to `target` (default: twice its reorder point)."""
    if target is None:
        target = item.reorder_point * 2
    return max(0, target - item.quantity)


def reorder_list(inventory):
    return [(item.sku, reorder_quantity(item)) for item in inventory.items() if item.is_low()]
