import pytest

from isbn import is_valid_isbn10, normalize_isbn


@pytest.mark.parametrize("code", ["0306406152", "0-306-40615-2", "0 306 40615 2", "0131103628"])
def test_valid(code):
    assert is_valid_isbn10(code) is True


@pytest.mark.parametrize("code", ["080442957X", "0-8044-2957-X", "080442957x"])
def test_x_check_character(code):
    assert is_valid_isbn10(code) is True


@pytest.mark.parametrize("code", ["0306406153", "0-306-40615-9", "0131103620"])
def test_wrong_check_digit(code):
    assert is_valid_isbn10(code) is False


@pytest.mark.parametrize("code", ["", "030640615", "03064061522", "0-306-40615"])
def test_wrong_length(code):
    assert is_valid_isbn10(code) is False


@pytest.mark.parametrize("code", ["03064O6152", "X306406152", "030640615Y", "0306.406152"])
def test_bad_characters(code):
    assert is_valid_isbn10(code) is False


def test_normalize():
    assert normalize_isbn("0-8044-2957-x") == "080442957X"
