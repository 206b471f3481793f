"""Which columns a list of rows has."""


def columns(rows):
    """The keys of the first row, in order ([] when there are no rows)."""
    return list(rows[0]) if rows else []
