"""Bank accounts. Amounts are integer cents."""


class InsufficientFunds(Exception):
    """A withdrawal or transfer asked for more than the balance."""


class Account:
    def __init__(self, owner, balance=0):
        if balance < 0:
            raise ValueError("the opening balance cannot be negative")
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        """Add a positive amount; returns the new balance."""
        if amount < 0:
            raise ValueError("a deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))
        return self.balance

    def withdraw(self, amount):
        """Take out a positive amount, at most the whole balance; returns the new balance."""
        if amount <= 0:
            raise ValueError("a withdrawal must be positive")
        if amount > self.balance:
            raise InsufficientFunds(f"balance is {self.balance}, asked for {amount}")
        self.balance -= amount
        self.history.append(("withdraw", amount))
        return self.balance

    def transfer(self, other, amount):
        """Move money to another account. If it fails, neither account changes."""
        self.withdraw(amount)
        other.deposit(amount)
