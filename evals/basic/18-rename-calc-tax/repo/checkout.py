"""Order totals."""
from tax import calc_tax


def checkout_total(prices, rate):
    """Return the total of prices plus tax, rounded to cents."""
    subtotal = sum(prices)
    return round(subtotal + calc_tax(subtotal, rate), 2)
