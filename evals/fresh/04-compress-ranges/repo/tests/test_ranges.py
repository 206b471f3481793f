import pytest

from ranges import expand_ranges


def test_expand():
    assert expand_ranges("1-3,5,7-8") == [1, 2, 3, 5, 7, 8]
    assert expand_ranges(" 4 , 10-11 ") == [4, 10, 11]
    assert expand_ranges("") == []


def test_bad_range():
    with pytest.raises(ValueError):
        expand_ranges("5-3")
