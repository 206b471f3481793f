import pytest

from durations import format_duration, parse_duration


@pytest.mark.parametrize("text, expected", [
    ("1h30m", 5400),
    ("45s", 45),
    ("2h5s", 7205),
    ("90m", 5400),
    ("0s", 0),
    ("1h", 3600),
    (" 1h 30m 15s ", 5415),
    ("10m 5s", 605),
    ("100s", 100),
    ("30m1h", 5400),
])
def test_valid(text, expected):
    result = parse_duration(text)
    assert result == expected
    assert isinstance(result, int)


@pytest.mark.parametrize("text", [
    "", "   ", "10", "h", "1d", "1h2h", "1.5h", "-1h", "abc", "1H", "1h x", "1h30",
])
def test_invalid(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_round_trip_with_format():
    for seconds in (0, 1, 59, 60, 61, 3599, 3600, 3661, 86399, 90061):
        assert parse_duration(format_duration(seconds)) == seconds
