"""Assorted helpers for the diary tools."""

import datetime as dt
import re

DATE_FORMAT = "%d/%m/%Y"


def parse_date(text):
    """Parse a day/month/year date such as 31/12/2024 into a datetime.date."""
    return dt.datetime.strptime(text.strip(), DATE_FORMAT).date()


def format_date(day):
    """Format a datetime.date as day/month/year."""
    return day.strftime(DATE_FORMAT)


def normalize_space(text):
    """Collapse runs of whitespace into single spaces and strip the ends."""
    return re.sub(r"\s+", " ", text).strip()


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
