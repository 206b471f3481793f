"""Money helpers. Amounts are stored as integer cents."""


def parse_amount(text):
    """Parse an amount such as "12.50", "$3" or "-0.75" into integer cents."""
    s = str(text).strip()
    negative = s.startswith("-")
    if negative:
        s = s[1:].strip()
    if s.startswith("$"):
        s = s[1:]
    if "." in s:
        whole, frac = s.split(".", 1)
    else:
        whole, frac = s, ""
    whole = whole.replace(",", "")
    if len(frac) > 2:
        raise ValueError(f"too many decimal places in {text!r}")
    frac = frac.ljust(2, "0")
    cents = int(whole or "0") * 100 + int(frac)
    return -cents if negative else cents


def format_cents(cents):
    """Format integer cents as a dollar amount with thousands separators."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


def plain_amount(cents):
    """Format cents without the dollar sign or separators, as in CSV files."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def split_evenly(cents, parts):
    """Split an amount into `parts` integer shares that add up to the amount."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    base, extra = divmod(cents, parts)
    return [base + 1 if i < extra else base for i in range(parts)]
