"""Daily tax report."""
import tax


def tax_summary(orders, rate):
    """Return (total tax, list of per-order taxes) for a list of order amounts."""
    per_order = [tax.calc_tax(amount, rate) for amount in orders]
    return round(sum(per_order), 2), per_order


def format_summary(orders, rate):
    total, per_order = tax_summary(orders, rate)
    lines = [f"order {i + 1}: {t:.2f}" for i, t in enumerate(per_order)]
    lines.append(f"total tax: {total:.2f}")
    return "\n".join(lines)
