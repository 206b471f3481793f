import pytest

from colors import grayscale, hex_to_rgb, mix, rgb_to_hex


def test_examples():
    assert hex_to_rgb("#ff8800") == (255, 136, 0)
    assert hex_to_rgb("0a0B0c") == (10, 11, 12)
    assert hex_to_rgb("#f80") == (255, 136, 0)


def test_more():
    assert hex_to_rgb("#000000") == (0, 0, 0)
    assert hex_to_rgb("FFFFFF") == (255, 255, 255)
    assert hex_to_rgb("abc") == (170, 187, 204)
    assert hex_to_rgb("#1E90ff") == (30, 144, 255)


def test_returns_tuple_of_ints():
    result = hex_to_rgb("#102030")
    assert type(result) is tuple
    assert all(type(c) is int for c in result)


@pytest.mark.parametrize("rgb", [(0, 0, 0), (255, 255, 255), (18, 52, 86), (200, 7, 129)])
def test_round_trip(rgb):
    assert hex_to_rgb(rgb_to_hex(*rgb)) == rgb


@pytest.mark.parametrize(
    "code", ["", "#", "#ff88", "ff88", "#ff88000", "#f8", "#gg0000", "#12345z", "xyz", "#ff880"]
)
def test_invalid(code):
    with pytest.raises(ValueError):
        hex_to_rgb(code)


def test_existing_helpers():
    assert rgb_to_hex(255, 136, 0) == "#ff8800"
    assert mix((0, 0, 0), (255, 255, 255)) == (127, 127, 127)
    assert grayscale((255, 255, 255)) == (255, 255, 255)
