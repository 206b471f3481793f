import datetime as dt

from utils import format_date, normalize_space, parse_date, plural


def test_dates():
    assert parse_date(" 31/12/2024 ") == dt.date(2024, 12, 31)
    assert format_date(dt.date(2024, 3, 5)) == "05/03/2024"


def test_text_helpers():
    assert normalize_space("  a \t b\n") == "a b"
    assert plural(1, "day") == "1 day"
    assert plural(3, "day") == "3 days"
