"""EAN-13 barcode helpers."""

DIGITS = "0123456789"


def ean13_check_digit(first12):
    """The check digit for the first 12 digits of an EAN-13 code."""
    if len(first12) != 12 or any(c not in DIGITS for c in first12):
        raise ValueError("need exactly 12 digits")
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return (10 - total % 10) % 10


def make_ean13(first12):
    """The full 13-digit code: the 12 digits followed by their check digit."""
    return first12 + str(ean13_check_digit(first12))
