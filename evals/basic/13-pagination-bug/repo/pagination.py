"""Pagination helpers for the listing pages."""


def total_pages(item_count, per_page):
    """Return the number of pages needed to show item_count items."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    return item_count // per_page


def get_page(items, page, per_page):
    """Return the items shown on the given page (pages are numbered from 1).

    A page past the end gives an empty list.
    """
    if page < 1:
        raise ValueError("page must be >= 1")
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    start = page * per_page
    return items[start:start + per_page]
