from textutils import is_palindrome


def test_simple_palindromes():
    assert is_palindrome("racecar") is True
    assert is_palindrome("abba") is True
    assert is_palindrome("x") is True


def test_ignores_case():
    assert is_palindrome("Racecar") is True
    assert is_palindrome("NooN") is True


def test_ignores_punctuation_and_spaces():
    assert is_palindrome("A man, a plan, a canal: Panama!") is True
    assert is_palindrome("Was it a car or a cat I saw?") is True


def test_digits_count():
    assert is_palindrome("12321") is True
    assert is_palindrome("1231") is False


def test_not_palindromes():
    assert is_palindrome("hello") is False
    assert is_palindrome("ab") is False
    assert is_palindrome("palindrome, no") is False


def test_empty_and_only_punctuation():
    assert is_palindrome("") is True
    assert is_palindrome("?! ,") is True
