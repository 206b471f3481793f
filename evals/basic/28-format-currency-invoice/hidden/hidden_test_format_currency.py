import pytest

from formatting import format_currency, format_percent
from invoice import render_invoice


@pytest.mark.parametrize("amount, expected", [
    (1234.5, "$1,234.50"),
    (0, "$0.00"),
    (-5, "-$5.00"),
    (1000000, "$1,000,000.00"),
    (999.999, "$1,000.00"),
    (0.5, "$0.50"),
    (-1234.567, "-$1,234.57"),
    (12, "$12.00"),
])
def test_format_currency(amount, expected):
    assert format_currency(amount) == expected


def test_invoice_example():
    expected = "\n".join([
        "Widget x2: $7.00",
        "Gadget x1: $1,200.00",
        "Subtotal: $1,207.00",
        "Tax (10%): $120.70",
        "Total: $1,327.70",
    ])
    assert render_invoice([("Widget", 2, 3.5), ("Gadget", 1, 1200)], 0.1) == expected


def test_invoice_no_lines():
    assert render_invoice([], 0.2) == "Subtotal: $0.00\nTax (20%): $0.00\nTotal: $0.00"


def test_invoice_fractional_rate():
    out = render_invoice([("Pen", 4, 2.5)], 0.075)
    assert out.splitlines() == [
        "Pen x4: $10.00",
        "Subtotal: $10.00",
        "Tax (7.5%): $0.75",
        "Total: $10.75",
    ]


def test_format_percent_unchanged():
    assert format_percent(0.1) == "10%"
