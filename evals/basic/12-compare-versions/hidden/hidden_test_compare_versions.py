import pytest

from versions import compare_versions


@pytest.mark.parametrize("a, b, expected", [
    ("1.2.10", "1.2.9", 1),
    ("1.2.9", "1.2.10", -1),
    ("0.9", "0.10", -1),
    ("1.0", "1", 0),
    ("1.2", "1.2.0", 0),
    ("1.2.0.0", "1.2", 0),
    ("2", "1.9.9", 1),
    ("1.0.1", "1", 1),
    ("1", "1.0.1", -1),
    ("3.4.5", "3.4.5", 0),
    ("10.0", "9.99", 1),
    ("1.01", "1.1", 0),
])
def test_compare(a, b, expected):
    assert compare_versions(a, b) == expected
