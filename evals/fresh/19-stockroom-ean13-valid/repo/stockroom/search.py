"""Finding items."""


def search_items(items, query):
    """Items whose name contains every word of the query (case-insensitive)."""
    words = query.lower().split()
    return [item for item in items if all(w in item.name.lower() for w in words)]


def find_by_prefix(items, prefix):
    prefix = prefix.strip().upper()
    return [item for item in items if item.sku.startswith(prefix)]
