"""Roman numeral helpers."""

VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def from_roman(s):
    """Parse a Roman numeral such as "MCMXCIV" into an int (1994)."""
    if not s:
        raise ValueError("empty numeral")
    total = 0
    for i, ch in enumerate(s):
        if ch not in VALUES:
            raise ValueError(f"invalid numeral character: {ch!r}")
        value = VALUES[ch]
        if i + 1 < len(s) and VALUES.get(s[i + 1], 0) > value:
            total -= value
        else:
            total += value
    return total
