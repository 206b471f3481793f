import json
import subprocess
import sys

import pytest

from exporters import export, formats
from exporters.markdown_export import to_markdown

ROWS = [{"name": "bolt", "qty": 3, "price": 0.25}, {"name": "nut", "qty": 10, "price": None}]


def test_to_markdown():
    assert to_markdown(ROWS) == (
        "| name | qty | price |\n"
        "| --- | --- | --- |\n"
        "| bolt | 3 | 0.25 |\n"
        "| nut | 10 | None |"
    )


def test_single_column_and_key_order():
    assert to_markdown([{"b": "x", "a": "y"}]) == "| b | a |\n| --- | --- |\n| x | y |"
    assert to_markdown([{"id": 1}, {"id": 2}]) == "| id |\n| --- |\n| 1 |\n| 2 |"


def test_empty():
    assert to_markdown([]) == ""
    assert export([], "markdown") == ""


def test_registered():
    assert export(ROWS, "markdown") == to_markdown(ROWS)
    assert "markdown" in formats()
    assert formats() == sorted(formats())


def test_other_formats_unchanged():
    assert export([{"a": 1}], "csv") == "a\n1\n"
    assert json.loads(export(ROWS, "json")) == ROWS
    assert {"csv", "json"} <= set(formats())
    with pytest.raises(ValueError):
        export(ROWS, "xml")


def test_cli(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([{"k": "v"}]), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "dump.py", "--format", "markdown", str(path)],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "| k |\n| --- |\n| v |"
