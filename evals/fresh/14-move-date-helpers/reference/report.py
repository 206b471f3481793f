"""Summaries of diary entries. An entry is a (date text, description) pair."""

from dates import format_date, parse_date
from utils import normalize_space, plural


def summarize(entries):
    """One line per day, oldest first: the date and that day's descriptions."""
    days = {}
    for date_text, description in entries:
        days.setdefault(parse_date(date_text), []).append(normalize_space(description))
    return [f"{format_date(day)}: {'; '.join(items)}" for day, items in sorted(days.items())]


def headline(entries):
    days = {parse_date(date_text) for date_text, _ in entries}
    noun = "entry" if len(entries) == 1 else "entries"
    return f"{len(entries)} {noun} on {plural(len(days), 'day')}"
