"""Plain-text formatting helpers."""


def format_table(headers, rows):
    """Render rows as a text table: a header line, a dashed line, then one line per row.

    Columns are left-aligned, padded to the widest cell and separated by two spaces.
    """
    table = [[str(cell) for cell in headers]] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = []
    for n, line in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def truncate(text, width):
    """Cut text to at most `width` characters, ending with "..." when cut."""
    if len(text) <= width:
        return text
    if width <= 3:
        return text[:width]
    return text[: width - 3] + "..."
