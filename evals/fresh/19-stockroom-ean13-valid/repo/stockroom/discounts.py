"""Discounts."""


def percent_off(price_cents, percent):
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return price_cents - round(price_cents * percent / 100)


def best_discount(price_cents, percents):
    """The lowest price any of the given discounts yields."""
    return min((percent_off(price_cents, p) for p in percents), default=price_cents)
