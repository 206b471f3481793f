from stockroom.discounts import best_discount, percent_off
from stockroom.pricing import apply_markup, round_to_99
from stockroom.tax import with_tax


def test_markup():
    assert apply_markup(1000, 40) == 1400


def test_round_to_99():
    assert round_to_99(1250) == 1299
    assert round_to_99(1299) == 1299


def test_discounts():
    assert percent_off(2000, 25) == 1500
    assert best_discount(2000, [10, 25]) == 1500


def test_tax():
    assert with_tax(1000, "wa") == 1065
