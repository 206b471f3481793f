import pytest

from calc import evaluate


@pytest.mark.parametrize("text, expected", [
    ("10 - 4 - 3", 3),
    ("8 / 4 / 2", 1.0),
    ("1 - 2 + 3", 2),
    ("2 * 3 - 4 * 5 + 1", -13),
    ("100 / 10 * 2", 20.0),
    ("20 - 2 * 3 - 4", 10),
    ("1 - 1 - 1 - 1", -2),
    ("2 * 6 / 3 * 2", 8.0),
    ("7 - (3 - 1)", 5),
    ("(10 - 4) - 3", 3),
])
def test_left_associative(text, expected):
    assert evaluate(text) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("42", 42),
    ("-3 - -2", -1),
    ("-(2 + 3) * 2", -10),
    ("1+2+3+4", 10),
    (" 6 / 4 ", 1.5),
])
def test_still_correct(text, expected):
    assert evaluate(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "2 +", "(1 + 2", "1 + 2)", "3 4", "* 2"])
def test_malformed(text):
    with pytest.raises(ValueError):
        evaluate(text)
