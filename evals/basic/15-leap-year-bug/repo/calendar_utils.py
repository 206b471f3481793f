"""Date helpers for the booking system (Gregorian calendar)."""

DAYS_PER_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def is_leap_year(year):
    return year % 4 == 0


def days_in_month(year, month):
    """Return the number of days in the given month (1-12) of year."""
    if not 1 <= month <= 12:
        raise ValueError(f"invalid month: {month}")
    if month == 2 and is_leap_year(year):
        return 29
    return DAYS_PER_MONTH[month - 1]


def days_in_year(year):
    return 366 if is_leap_year(year) else 365
