"""Helpers for working with lists."""


def flatten(list_of_lists):
    """Flatten one level of nesting: [[1, 2], [3]] -> [1, 2, 3]."""
    result = []
    for inner in list_of_lists:
        result.extend(inner)
    return result


def unique(items):
    """Return items without duplicates, keeping the first occurrence order."""
    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result
