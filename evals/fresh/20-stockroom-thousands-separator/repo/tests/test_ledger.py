import pytest

from stockroom.ledger import Ledger


def test_balances():
    ledger = Ledger()
    ledger.post("2024-01-02", "opening", "cash", "equity", 100000)
    ledger.post("2024-01-03", "stock", "inventory", "cash", 25000)
    assert ledger.balance("cash") == 75000
    assert ledger.trial_balance() == {"cash": 75000, "equity": -100000, "inventory": 25000}


def test_rejects_unknown_account():
    with pytest.raises(ValueError):
        Ledger().post("2024-01-02", "x", "cash", "nope", 1)
