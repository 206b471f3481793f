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
