"""Rows as CSV."""

import csv
import io

from .columns import columns


def to_csv(rows):
    names = columns(rows)
    if not names:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
