from stockroom.inventory import Inventory
from stockroom.item import Item
from stockroom.reports import low_stock_report, stock_report


def make():
    return Inventory(
        [
            Item("HAM-0001", "Claw hammer", 1000, 2, "tools"),
            Item("TAP-0002", "Tape measure", 250, 3, "tools"),
        ]
    )


def test_total_value_counts_quantity():
    assert make().total_value_cents() == 2750


def test_report_total_line():
    lines = stock_report(make()).splitlines()
    assert lines[-1] == "Total value: $27.50"
    assert "$20.00" in lines[2] and "$7.50" in lines[3]


def test_zero_quantity_and_empty():
    inv = Inventory([Item("GLU-0007", "Glue", 680, 0), Item("SCR-0100", "Screws", 499, 40)])
    assert inv.total_value_cents() == 19960
    assert Inventory().total_value_cents() == 0
    assert stock_report(Inventory()).splitlines()[-1] == "Total value: $0.00"


def test_total_follows_stock_changes():
    inv = make()
    inv.receive("HAM-0001", 3)
    inv.remove("TAP-0002", 1)
    assert inv.total_value_cents() == 5000 + 500
    assert inv.total_units() == 7


def test_existing_behaviour():
    inv = make()
    assert len(inv) == 2
    assert low_stock_report(inv).splitlines()[0].startswith("HAM-0001")
    assert stock_report(inv).splitlines()[0].split() == ["SKU", "Name", "Qty", "Value"]
