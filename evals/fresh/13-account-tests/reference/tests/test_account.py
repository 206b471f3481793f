import pytest

from bank.account import Account, InsufficientFunds


def test_opening_balance():
    assert Account("ana").balance == 0
    assert Account("ana", 500).balance == 500
    with pytest.raises(ValueError):
        Account("ana", -1)


def test_deposit():
    acct = Account("ana")
    assert acct.deposit(250) == 250
    assert acct.history == [("deposit", 250)]


@pytest.mark.parametrize("amount", [0, -5])
def test_deposit_must_be_positive(amount):
    acct = Account("ana", 100)
    with pytest.raises(ValueError):
        acct.deposit(amount)
    assert acct.balance == 100
    assert acct.history == []


def test_withdraw():
    acct = Account("ana", 1000)
    assert acct.withdraw(300) == 700
    assert acct.history == [("withdraw", 300)]


def test_withdraw_whole_balance():
    acct = Account("ana", 1000)
    assert acct.withdraw(1000) == 0


def test_overdraw():
    acct = Account("ana", 1000)
    with pytest.raises(InsufficientFunds):
        acct.withdraw(1001)
    assert acct.balance == 1000
    assert acct.history == []


@pytest.mark.parametrize("amount", [0, -5])
def test_withdraw_must_be_positive(amount):
    with pytest.raises(ValueError):
        Account("ana", 100).withdraw(amount)


def test_history_order():
    acct = Account("ana")
    acct.deposit(500)
    acct.withdraw(200)
    assert acct.history == [("deposit", 500), ("withdraw", 200)]


def test_transfer():
    a, b = Account("ana", 1000), Account("ben", 50)
    a.transfer(b, 400)
    assert (a.balance, b.balance) == (600, 450)


def test_failed_transfer_changes_nothing():
    a, b = Account("ana", 100), Account("ben", 50)
    with pytest.raises(InsufficientFunds):
        a.transfer(b, 500)
    assert (a.balance, b.balance) == (100, 50)
    assert a.history == [] and b.history == []
