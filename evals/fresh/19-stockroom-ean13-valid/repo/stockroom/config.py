"""Settings."""

DEFAULTS = {
    "currency": "USD",
    "region": "OR",
    "reorder_point": 5,
    "low_stock_warning": True,
}


def load_config(overrides=None):
    config = dict(DEFAULTS)
    if overrides:
        unknown = sorted(set(overrides) - set(DEFAULTS))
        if unknown:
            raise KeyError(f"unknown settings: {', '.join(unknown)}")
        config.update(overrides)
    return config
