"""Exporting rows (a list of dicts with the same keys) to text formats."""

from .csv_export import to_csv
from .json_export import to_json
from .markdown_export import to_markdown

EXPORTERS = {
    "csv": to_csv,
    "json": to_json,
    "markdown": to_markdown,
}


def formats():
    """The names of the available formats, sorted."""
    return sorted(EXPORTERS)


def export(rows, fmt):
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(formats())}") from None
    return exporter(rows)
