from wordfreq import top_words


def test_basic():
    assert top_words("b a b c a b", 2) == [("b", 3), ("a", 2)]


def test_ties_sorted_alphabetically():
    assert top_words("x y z y x", 3) == [("x", 2), ("y", 2), ("z", 1)]
    assert top_words("pear apple fig", 2) == [("apple", 1), ("fig", 1)]


def test_uses_tokenize_case_and_punctuation():
    assert top_words("The the, THE cat. Cat? dog!", 2) == [("the", 3), ("cat", 2)]


def test_n_larger_than_vocabulary():
    assert top_words("one two two", 10) == [("two", 2), ("one", 1)]


def test_zero_and_negative_n():
    assert top_words("a b c", 0) == []
    assert top_words("a b c", -2) == []


def test_empty_text():
    assert top_words("", 3) == []


def test_returns_tuples():
    result = top_words("a a b", 1)
    assert result == [("a", 2)]
    assert isinstance(result[0], tuple)
