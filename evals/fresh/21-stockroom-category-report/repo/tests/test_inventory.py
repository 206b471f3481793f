import pytest

from stockroom.errors import InsufficientStockError, UnknownSkuError, ValidationError
from stockroom.inventory import Inventory
from stockroom.item import Item


def make():
    return Inventory([Item("HAM-0001", "Hammer", 1250, 1), Item("tap-0002", "Tape", 725, 1)])


def test_add_and_get():
    inv = make()
    assert len(inv) == 2
    assert "TAP-0002" in inv
    assert inv.get("tap-0002").name == "Tape"


def test_duplicate_and_invalid():
    inv = make()
    with pytest.raises(ValidationError):
        inv.add_item(Item("HAM-0001", "Other", 1))
    with pytest.raises(ValidationError):
        inv.add_item(Item("nope", "Bad", 1))


def test_receive_and_remove():
    inv = make()
    assert inv.receive("HAM-0001", 4) == 5
    assert inv.remove("HAM-0001", 5) == 0
    with pytest.raises(InsufficientStockError):
        inv.remove("HAM-0001", 1)


def test_unknown():
    with pytest.raises(UnknownSkuError):
        make().get("XXX-0000")


def test_totals():
    inv = make()
    assert inv.total_units() == 2
    assert inv.total_value_cents() == 1975
