import pytest

from calendar_utils import days_in_month, days_in_year, is_leap_year


def test_century_years_not_leap():
    assert days_in_month(1900, 2) == 28
    assert days_in_year(2100) == 365
    assert is_leap_year(1800) is False


def test_every_400_years_leap():
    assert days_in_month(2000, 2) == 29
    assert days_in_year(1600) == 366
    assert is_leap_year(2400) is True


def test_ordinary_years():
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2023, 2) == 28
    assert days_in_year(2023) == 365
    assert days_in_year(2024) == 366


def test_other_months():
    assert days_in_month(1900, 1) == 31
    assert days_in_month(1900, 4) == 30
    assert days_in_month(2000, 12) == 31


def test_matches_stdlib_calendar():
    import calendar
    for year in range(1580, 2500):
        assert is_leap_year(year) == calendar.isleap(year)


def test_invalid_month():
    with pytest.raises(ValueError):
        days_in_month(2000, 13)
