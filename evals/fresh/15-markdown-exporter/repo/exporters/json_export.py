"""Rows as JSON."""

import json


def to_json(rows):
    return json.dumps(rows, indent=2)
