import pytest

from stockroom.csv_io import load_items
from stockroom.money import format_cents, parse_amount


def test_commas():
    assert parse_amount("1,299.00") == 129900
    assert parse_amount("$12,345.67") == 1234567
    assert parse_amount("1,000") == 100000
    assert parse_amount("2,500,000.5") == 250000050
    assert parse_amount("-$1,000.50") == -100050


@pytest.mark.parametrize("cents", [0, 5, 99900, 129900, 1234567, 100000000, -100050])
def test_reads_back_format_cents(cents):
    assert parse_amount(format_cents(cents)) == cents


def test_old_formats_still_work():
    assert parse_amount("12.50") == 1250
    assert parse_amount("$3") == 300
    assert parse_amount(" 0.5 ") == 50
    assert parse_amount("-0.75") == -75
    with pytest.raises(ValueError):
        parse_amount("1.005")


def test_load_items_with_separators(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "sku,name,price,quantity,category\n"
        'SAW-0003,Mitre saw,"1,299.00",1,tools\n'
        "HAM-0001,Claw hammer,12.50,8,tools\n",
        encoding="utf-8",
    )
    items = load_items(path)
    assert [i.price_cents for i in items] == [129900, 1250]
