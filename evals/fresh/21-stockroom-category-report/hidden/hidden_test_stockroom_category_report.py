from stockroom.inventory import Inventory
from stockroom.item import Item
from stockroom.reports import stock_report


def items():
    return [
        Item("TAP-0002", "Tape measure", 725, 3, "tools"),
        Item("SCR-0100", "Wood screws", 499, 40, "fasteners"),
        Item("HAM-0001", "Claw hammer", 1250, 8, "tools"),
        Item("GLU-0007", "Wood glue", 680, 2, "adhesives"),
        Item("NAI-0020", "Nails", 350, 10, "fasteners"),
    ]


def test_items_in_category():
    inv = Inventory(items())
    assert [i.sku for i in inv.items_in_category("tools")] == ["HAM-0001", "TAP-0002"]
    assert [i.sku for i in inv.items_in_category("fasteners")] == ["NAI-0020", "SCR-0100"]
    assert inv.items_in_category("paint") == []
    assert inv.items_in_category("Tools") == []


def test_items_in_category_returns_the_items():
    inv = Inventory(items())
    [glue] = inv.items_in_category("adhesives")
    assert glue is inv.get("GLU-0007")


def test_report_for_category_matches_report_of_those_items():
    inv = Inventory(items())
    only_tools = Inventory([i for i in items() if i.category == "tools"])
    assert stock_report(inv, category="tools") == stock_report(only_tools)
    assert stock_report(inv, "tools").splitlines()[-1] == "Total value: $121.75"


def test_report_for_unknown_category():
    inv = Inventory(items())
    report = stock_report(inv, category="paint")
    assert report == stock_report(Inventory())
    assert report.splitlines()[-1] == "Total value: $0.00"


def test_report_without_category_unchanged():
    inv = Inventory(items())
    report = stock_report(inv)
    assert report == stock_report(inv, None)
    lines = report.splitlines()
    assert len(lines) == 2 + 5 + 1
    assert [line.split()[0] for line in lines[2:7]] == [
        "GLU-0007", "HAM-0001", "NAI-0020", "SCR-0100", "TAP-0002"
    ]
    assert lines[-1] == "Total value: $369.95"
