"""ISBN-10 helpers for the library catalogue."""

DIGITS = "0123456789"


def normalize_isbn(code):
    """Drop hyphens and spaces and upper-case a trailing x."""
    return code.replace("-", "").replace(" ", "").upper()


def is_valid_isbn10(code):
    """True when `code` is a valid ISBN-10.

    Hyphens and spaces are ignored. What remains must be exactly 10 characters: nine digits
    followed by a check character, which is a digit or "X" (standing for 10; a lower-case "x"
    is accepted too). The code is valid when the sum of each character's value times its
    weight (10 for the first character, 9 for the second, ... 1 for the last) is divisible
    by 11. Anything else gives False; the function never raises for a string.
    """
    chars = code.replace(" ", "")
    if len(chars) != 10:
        return False
    if any(c not in DIGITS for c in chars[:9]):
        return False
    last = chars[9]
    if last in "xX":
        check = 10
    elif last in DIGITS:
        check = int(last)
    else:
        return False
    total = sum((10 - i) * int(c) for i, c in enumerate(chars[:9])) + check
    return total % 11 == 0
