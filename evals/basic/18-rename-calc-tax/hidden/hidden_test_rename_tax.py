import importlib
import pathlib

import pytest


def test_new_name_exists():
    tax = importlib.import_module("tax")
    assert tax.compute_tax(100, 0.2) == 20.0
    assert tax.compute_tax(19.99, 0.07) == 1.40
    with pytest.raises(ValueError):
        tax.compute_tax(10, -0.1)


def test_old_name_gone():
    tax = importlib.import_module("tax")
    assert not hasattr(tax, "calc_tax")
    for name in ("tax.py", "checkout.py", "report.py"):
        assert "calc_tax" not in pathlib.Path(name).read_text(), name


def test_checkout_still_works():
    checkout = importlib.import_module("checkout")
    assert checkout.checkout_total([10, 20], 0.1) == 33.0


def test_report_still_works():
    report = importlib.import_module("report")
    assert report.tax_summary([100, 50], 0.2) == (30.0, [20.0, 10.0])
    assert report.format_summary([100], 0.1) == "order 1: 10.00\ntotal tax: 10.00"
