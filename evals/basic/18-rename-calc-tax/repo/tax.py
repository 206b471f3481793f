"""Tax computation."""


def calc_tax(amount, rate):
    """Return the tax for amount at the given rate, rounded to cents."""
    if rate < 0:
        raise ValueError("rate must not be negative")
    return round(amount * rate, 2)
