"""Date helpers. Dates are written day/month/year."""

import datetime as dt

DATE_FORMAT = "%d/%m/%Y"


def parse_date(text):
    """Parse a day/month/year date such as 31/12/2024 into a datetime.date."""
    return dt.datetime.strptime(text.strip(), DATE_FORMAT).date()


def format_date(day):
    """Format a datetime.date as day/month/year."""
    return day.strftime(DATE_FORMAT)
