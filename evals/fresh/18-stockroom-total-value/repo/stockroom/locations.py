"""Storage locations: codes like A3-2 (aisle A, shelf 3, bin 2)."""

import re

_CODE = re.compile(r"([A-Z])([0-9]+)-([0-9]+)")


def parse_location(code):
    m = _CODE.fullmatch(code.strip().upper())
    if not m:
        raise ValueError(f"bad location code {code!r}")
    return m.group(1), int(m.group(2)), int(m.group(3))


def format_location(aisle, shelf, bin_number):
    return f"{aisle.upper()}{shelf}-{bin_number}"


class LocationMap:
    """Where each SKU is stored."""

    def __init__(self):
        self._where = {}

    def assign(self, sku, code):
        aisle, shelf, bin_number = parse_location(code)
        self._where[sku] = format_location(aisle, shelf, bin_number)

    def locate(self, sku):
        return self._where.get(sku)

    def skus_in_aisle(self, aisle):
        return sorted(s for s, code in self._where.items() if code[0] == aisle.upper())
