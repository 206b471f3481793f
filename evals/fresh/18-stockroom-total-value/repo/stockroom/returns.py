"""Customer returns."""

REASONS = ("damaged", "wrong item", "unwanted")


def process_return(inventory, sku, quantity, reason):
    """Put returned units back on the shelf unless they are damaged."""
    if reason not in REASONS:
        raise ValueError(f"unknown return reason {reason!r}")
    restock = reason != "damaged"
    if restock:
        inventory.receive(sku, quantity)
    return {"sku": sku, "quantity": quantity, "restocked": restock}
