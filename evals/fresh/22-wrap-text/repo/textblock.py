"""Helpers for laying out plain text in the terminal UI."""


def indent_lines(lines, prefix="    "):
    """Put `prefix` in front of every non-empty line."""
    return [prefix + line if line else line for line in lines]


def center(line, width):
    """Center a line in `width` columns (extra space goes to the right)."""
    if len(line) >= width:
        return line
    left = (width - len(line)) // 2
    return " " * left + line + " " * (width - len(line) - left)


def boxed(lines):
    """Draw a +---+ box around lines."""
    width = max((len(line) for line in lines), default=0)
    border = "+" + "-" * (width + 2) + "+"
    return [border] + [f"| {line.ljust(width)} |" for line in lines] + [border]
