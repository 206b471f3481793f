from bank.money import format_amount


def test_format_amount():
    assert format_amount(123456) == "1,234.56"
    assert format_amount(-5) == "-0.05"
