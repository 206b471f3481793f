"""A tiny double-entry ledger."""

from dataclasses import dataclass

from .accounts import is_known_account


@dataclass
class Entry:
    day: str
    description: str
    debit: str
    credit: str
    amount_cents: int


class Ledger:
    def __init__(self):
        self.entries = []

    def post(self, day, description, debit, credit, amount_cents):
        if amount_cents <= 0:
            raise ValueError("amount must be positive")
        for account in (debit, credit):
            if not is_known_account(account):
                raise ValueError(f"unknown account {account!r}")
        if debit == credit:
            raise ValueError("debit and credit accounts must differ")
        entry = Entry(day, description, debit, credit, amount_cents)
        self.entries.append(entry)
        return entry

    def balance(self, account):
        """Debits minus credits of an account."""
        total = 0
        for entry in self.entries:
            if entry.debit == account:
                total += entry.amount_cents
            if entry.credit == account:
                total -= entry.amount_cents
        return total

    def trial_balance(self):
        names = {e.debit for e in self.entries} | {e.credit for e in self.entries}
        return {name: self.balance(name) for name in sorted(names)}
