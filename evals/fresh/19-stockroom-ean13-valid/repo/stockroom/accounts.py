"""The chart of accounts."""

CHART = {
    "cash": "asset",
    "inventory": "asset",
    "receivables": "asset",
    "payables": "liability",
    "equity": "equity",
    "sales": "income",
    "cost_of_goods": "expense",
    "rent": "expense",
}


def is_known_account(name):
    return name in CHART


def account_type(name):
    try:
        return CHART[name]
    except KeyError:
        raise ValueError(f"unknown account {name!r}") from None


def accounts_of_type(kind):
    return sorted(name for name, t in CHART.items() if t == kind)
