"""Pricing rules."""


def apply_markup(cost_cents, percent):
    """Selling price for a cost with a percentage markup, rounded to the cent."""
    return round(cost_cents * (100 + percent) / 100)


def margin_percent(cost_cents, price_cents):
    if price_cents <= 0:
        raise ValueError("price must be positive")
    return round((price_cents - cost_cents) * 100 / price_cents, 1)


def round_to_99(cents):
    """Round a price up to the next amount ending in .99."""
    if cents % 100 == 99:
        return cents
    return cents // 100 * 100 + 99
