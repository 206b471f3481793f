"""Number formatting helpers."""


def format_percent(rate):
    """Format a rate such as 0.1 as "10%" (0.075 -> "7.5%")."""
    return f"{rate * 100:g}%"
