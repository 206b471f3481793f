"""Sales tax by region."""

RATES = {"OR": 0.0, "WA": 0.065, "CA": 0.0725, "NY": 0.04}


def tax_rate(region):
    try:
        return RATES[region.upper()]
    except KeyError:
        raise ValueError(f"no tax rate for region {region!r}") from None


def tax_cents(amount_cents, region):
    return round(amount_cents * tax_rate(region))


def with_tax(amount_cents, region):
    return amount_cents + tax_cents(amount_cents, region)
