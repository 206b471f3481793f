"""Page-range helpers for the print dialog."""


def expand_ranges(text):
    """Turn "1-3,5,7-8" into [1, 2, 3, 5, 7, 8]. Spaces are allowed around the parts."""
    numbers = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            start, end = (int(x) for x in part.split("-", 1))
            if end < start:
                raise ValueError(f"bad range {part!r}")
            numbers.extend(range(start, end + 1))
        else:
            numbers.append(int(part))
    return numbers


def compress_ranges(numbers):
    """Turn numbers into a compact range string such as "1-3,5,7-8"."""
    values = sorted(set(numbers))
    parts = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        parts.append(str(values[i]) if i == j else f"{values[i]}-{values[j]}")
        i = j + 1
    return ",".join(parts)
