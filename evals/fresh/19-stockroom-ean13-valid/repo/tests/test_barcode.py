import pytest

from stockroom.barcode import ean13_check_digit, make_ean13


def test_check_digit():
    assert ean13_check_digit("400638133393") == 1
    assert ean13_check_digit("590123412345") == 7


def test_make():
    assert make_ean13("400638133393") == "4006381333931"


def test_bad_input():
    with pytest.raises(ValueError):
        ean13_check_digit("12345")
