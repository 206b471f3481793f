import pytest

from stockroom.money import format_cents, parse_amount, plain_amount, split_evenly


def test_parse_amount():
    assert parse_amount("12.50") == 1250
    assert parse_amount("$3") == 300
    assert parse_amount("0.5") == 50
    assert parse_amount("-0.75") == -75


def test_parse_amount_rejects_too_many_decimals():
    with pytest.raises(ValueError):
        parse_amount("1.005")


def test_format_cents():
    assert format_cents(1250) == "$12.50"
    assert format_cents(123456789) == "$1,234,567.89"
    assert format_cents(-5) == "-$0.05"


def test_plain_amount():
    assert plain_amount(129900) == "1299.00"


def test_split_evenly():
    assert split_evenly(100, 3) == [34, 33, 33]
