"""Items as JSON."""

import json
from dataclasses import asdict

from .item import Item


def dump_items(items):
    return json.dumps([asdict(item) for item in items], indent=2)


def load_items_json(text):
    return [Item(**data) for data in json.loads(text)]
