import pytest

from stockroom.barcode import ean13_check_digit, is_valid_ean13, make_ean13


@pytest.mark.parametrize("code", ["4006381333931", "5901234123457", "0000000000000", "9780306406157"])
def test_valid_codes(code):
    assert is_valid_ean13(code) is True


@pytest.mark.parametrize("code", ["4006381333932", "5901234123450", "9780306406158"])
def test_wrong_check_digit(code):
    assert is_valid_ean13(code) is False


@pytest.mark.parametrize(
    "code",
    ["", "400638133393", "40063813339310", "400638133393A", "A006381333931",
     "4006381 33393", "400-6381333931", " 4006381333931", "4006381333931 "],
)
def test_malformed(code):
    assert is_valid_ean13(code) is False


def test_every_generated_code_is_valid():
    for first12 in ["123456789012", "000000000001", "999999999999", "400638133393"]:
        code = make_ean13(first12)
        assert is_valid_ean13(code) is True
        wrong = code[:12] + str((int(code[12]) + 1) % 10)
        assert is_valid_ean13(wrong) is False


def test_existing_functions_unchanged():
    assert ean13_check_digit("590123412345") == 7
    with pytest.raises(ValueError):
        ean13_check_digit("12345")
