"""Plain-text invoice rendering."""
from formatting import format_percent


def line_total(quantity, unit_price):
    return quantity * unit_price


def render_invoice(lines, tax_rate):
    """Render an invoice.

    lines: list of (description, quantity, unit_price) tuples.
    """
    out = []
    subtotal = 0
    for description, quantity, unit_price in lines:
        total = line_total(quantity, unit_price)
        subtotal += total
        out.append(f"{description} x{quantity}: {total}")
    tax = subtotal * tax_rate
    out.append(f"Subtotal: {subtotal}")
    out.append(f"Tax ({format_percent(tax_rate)}): {tax}")
    out.append(f"Total: {subtotal + tax}")
    return "\n".join(out)
