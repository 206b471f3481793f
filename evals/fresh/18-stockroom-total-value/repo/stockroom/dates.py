"""Date helpers. Days are ISO strings such as 2024-03-31."""

import datetime as dt


def parse_day(text):
    return dt.date.fromisoformat(text.strip())


def days_between(start, end):
    return (parse_day(end) - parse_day(start)).days


def add_days(day, n):
    return (parse_day(day) + dt.timedelta(days=n)).isoformat()


def is_weekend(day):
    return parse_day(day).weekday() >= 5
