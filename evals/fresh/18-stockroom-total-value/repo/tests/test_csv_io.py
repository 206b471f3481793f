from stockroom.csv_io import load_items, save_items
from stockroom.item import Item


def test_round_trip(tmp_path):
    path = tmp_path / "items.csv"
    save_items(path, [Item("HAM-0001", "Claw hammer", 1250, 8, "tools")])
    [item] = load_items(path)
    assert item == Item("HAM-0001", "Claw hammer", 1250, 8, "tools")


def test_sample_file():
    items = load_items("data/sample_items.csv")
    assert [i.sku for i in items][:2] == ["HAM-0001", "TAP-0002"]
    assert items[2].price_cents == 499
