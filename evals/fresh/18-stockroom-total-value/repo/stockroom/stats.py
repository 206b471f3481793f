"""Sales statistics."""

from collections import Counter


def units_sold(sales):
    counts = Counter()
    for sale in sales:
        counts[sale.sku] += sale.quantity
    return dict(counts)


def revenue_cents(sales):
    return sum(sale.total_cents() for sale in sales)


def best_sellers(sales, n=3):
    """The n SKUs with most units sold; ties broken by SKU."""
    ranked = sorted(units_sold(sales).items(), key=lambda kv: (-kv[1], kv[0]))
    return [sku for sku, _ in ranked[:n]]


def revenue_by_day(sales):
    days = {}
    for sale in sales:
        days[sale.day] = days.get(sale.day, 0) + sale.total_cents()
    return dict(sorted(days.items()))
