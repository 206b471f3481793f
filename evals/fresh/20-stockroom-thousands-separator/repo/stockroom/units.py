"""Pack sizes."""

UNIT_SIZES = {"each": 1, "pair": 2, "dozen": 12, "case": 24}


def unit_size(unit):
    try:
        return UNIT_SIZES[unit.lower()]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}") from None


def to_units(count, unit):
    """How many single units `count` packs of `unit` hold."""
    return count * unit_size(unit)


def split_units(total, unit):
    """(full packs, loose units) for a number of single units."""
    return divmod(total, unit_size(unit))
