import pytest

from greeter import greet, greet_from_text
from settings import DEFAULTS, parse_settings


def test_default_is_false():
    assert DEFAULTS["shout"] is False
    assert parse_settings("")["shout"] is False


@pytest.mark.parametrize("text, expected", [
    ("shout = true", True),
    ("shout=TRUE", True),
    ("  shout = True  ", True),
    ("shout = false", False),
    ("shout = False", False),
    ("# comment\nshout = FALSE\n", False),
])
def test_parse_bool(text, expected):
    assert parse_settings(text)["shout"] is expected


@pytest.mark.parametrize("text", ["shout = yes", "shout = 1", "shout ="])
def test_invalid_bool(text):
    with pytest.raises(ValueError):
        parse_settings(text)


def test_other_settings_unchanged():
    s = parse_settings("greeting = Hi\npunctuation = !")
    assert s["greeting"] == "Hi"
    assert s["punctuation"] == "!"
    with pytest.raises(KeyError):
        parse_settings("colour = red")


def test_greet_shouting():
    assert greet_from_text("Bob", "shout = true\ngreeting = Hi") == "HI, BOB."
    assert greet_from_text("ann", "shout = TRUE\npunctuation = !") == "HELLO, ANN!"


def test_greet_normal():
    assert greet_from_text("Bob", "") == "Hello, Bob."
    assert greet_from_text("Bob", "shout = false\ngreeting = Hey") == "Hey, Bob."
    assert greet("Bob", parse_settings("")) == "Hello, Bob."
