"""Reminders that fall due a number of days after a date."""

import datetime as dt

from dates import format_date, parse_date


def due_date(start_text, days):
    """The date `days` days after start_text, written like the input."""
    return format_date(parse_date(start_text) + dt.timedelta(days=days))


def overdue(reminders, today_text):
    """Titles of the reminders whose due date is before today."""
    today = parse_date(today_text)
    return [title for title, due_text in reminders if parse_date(due_text) < today]
