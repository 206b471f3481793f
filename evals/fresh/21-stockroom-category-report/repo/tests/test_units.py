import pytest

from stockroom.units import split_units, to_units


def test_to_units():
    assert to_units(3, "dozen") == 36
    assert to_units(2, "Case") == 48


def test_split_units():
    assert split_units(30, "dozen") == (2, 6)


def test_unknown_unit():
    with pytest.raises(ValueError):
        to_units(1, "gross")
