from stockroom.inventory import Inventory
from stockroom.item import Item
from stockroom.reports import low_stock, low_stock_report, stock_report


def make():
    return Inventory(
        [
            Item("HAM-0001", "Hammer", 1250, 8, reorder_point=5),
            Item("GLU-0007", "Glue", 680, 2, reorder_point=5),
        ]
    )


def test_stock_report_lists_items_sorted():
    lines = stock_report(make()).splitlines()
    assert lines[0].split() == ["SKU", "Name", "Qty", "Value"]
    assert lines[2].startswith("GLU-0007")
    assert lines[3].startswith("HAM-0001")
    assert lines[-1].startswith("Total value: ")


def test_low_stock():
    assert [i.sku for i in low_stock(make())] == ["GLU-0007"]
    assert low_stock_report(make()) == "GLU-0007 Glue: 2 left (reorder at 5)"
