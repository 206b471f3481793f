from stockroom.sku import is_valid_sku, normalize_sku, sku_prefix


def test_valid():
    assert is_valid_sku("HAM-0001")
    assert is_valid_sku(" ham-0001 ")


def test_invalid():
    assert not is_valid_sku("HAM-01")
    assert not is_valid_sku("HAMM-0001")


def test_helpers():
    assert normalize_sku(" tap-0002") == "TAP-0002"
    assert sku_prefix("tap-0002") == "TAP"
