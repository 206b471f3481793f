import pytest

from stats import average, spread, total


def test_two_numbers():
    assert average([10, 20]) == 15.0


def test_three_numbers():
    assert average([2, 4, 6]) == 4.0


def test_single():
    assert average([7]) == 7.0


def test_floats_and_negatives():
    assert average([-1.5, 1.5, 3.0]) == pytest.approx(1.0)


def test_empty():
    assert average([]) == 0.0


def test_tuple_input():
    assert average((1, 2, 3, 4)) == 2.5


def test_other_helpers():
    assert total([1, 2, 3]) == 6
    assert spread([4, 9, 1]) == 8
    assert spread([]) == 0
