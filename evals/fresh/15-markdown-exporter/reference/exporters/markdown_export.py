"""Rows as a Markdown table."""

from .columns import columns


def to_markdown(rows):
    names = columns(rows)
    if not names:
        return ""
    lines = [
        "| " + " | ".join(names) + " |",
        "| " + " | ".join("---" for _ in names) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(row[name]) for name in names) + " |")
    return "\n".join(lines)
