import pytest

from numerals import from_roman, to_roman


@pytest.mark.parametrize("n, expected", [
    (1, "I"), (3, "III"), (4, "IV"), (5, "V"), (9, "IX"), (14, "XIV"),
    (40, "XL"), (44, "XLIV"), (90, "XC"), (400, "CD"), (900, "CM"),
    (1994, "MCMXCIV"), (2024, "MMXXIV"), (3999, "MMMCMXCIX"),
])
def test_known_values(n, expected):
    assert to_roman(n) == expected


def test_round_trip_all():
    for n in range(1, 4000):
        assert from_roman(to_roman(n)) == n


@pytest.mark.parametrize("bad", [0, -1, 4000, 10000])
def test_out_of_range(bad):
    with pytest.raises(ValueError):
        to_roman(bad)
