import json

import pytest

from exporters import export, formats

ROWS = [{"name": "bolt", "qty": 3}, {"name": "nut", "qty": 10}]


def test_csv():
    assert export(ROWS, "csv") == "name,qty\nbolt,3\nnut,10\n"
    assert export([], "csv") == ""


def test_json():
    assert json.loads(export(ROWS, "json")) == ROWS


def test_unknown_format():
    with pytest.raises(ValueError):
        export(ROWS, "xml")


def test_formats():
    assert "csv" in formats() and "json" in formats()
