"""Category paths such as tools/hand/hammers."""


def split_path(path):
    return [part for part in path.strip("/").split("/") if part]


def parent(path):
    parts = split_path(path)
    return "/".join(parts[:-1]) or None


def is_within(path, ancestor):
    parts, top = split_path(path), split_path(ancestor)
    return parts[: len(top)] == top


def count_by_category(items):
    counts = {}
    for item in items:
        counts[item.category] = counts.get(item.category, 0) + 1
    return dict(sorted(counts.items()))
