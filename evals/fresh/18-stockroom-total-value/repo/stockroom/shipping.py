"""Shipping costs by parcel weight."""

import math

BANDS = [(1.0, 499), (5.0, 899), (20.0, 1599)]
PER_EXTRA_KG = 75


def shipping_cents(weight_kg):
    if weight_kg <= 0:
        raise ValueError("weight must be positive")
    for limit, cost in BANDS:
        if weight_kg <= limit:
            return cost
    return BANDS[-1][1] + PER_EXTRA_KG * math.ceil(weight_kg - BANDS[-1][0])
