from letters import count_consonants, count_vowels


def test_reported_example():
    assert count_vowels("HELLO World") == 3


def test_all_uppercase_vowels():
    assert count_vowels("AEIOU") == 5


def test_lowercase_still_works():
    assert count_vowels("banana") == 3


def test_no_vowels():
    assert count_vowels("rhythm") == 0
    assert count_vowels("") == 0
    assert count_vowels("Y y 123") == 0


def test_mixed():
    assert count_vowels("Quiet OAK tree!") == 7


def test_consonants_unchanged():
    assert count_consonants("HELLO World") == 7
