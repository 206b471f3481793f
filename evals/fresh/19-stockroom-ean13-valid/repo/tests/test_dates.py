from stockroom.dates import add_days, days_between, is_weekend


def test_dates():
    assert days_between("2024-02-27", "2024-03-01") == 3
    assert add_days("2024-12-31", 1) == "2025-01-01"
    assert is_weekend("2024-06-01")
    assert not is_weekend("2024-06-03")
