import pytest

from textblock import boxed, center, wrap_text


def test_example():
    assert wrap_text("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]


def test_exact_fit():
    assert wrap_text("aaaa bbbb cccc", 9) == ["aaaa bbbb", "cccc"]
    assert wrap_text("aaaa bbbb cccc", 14) == ["aaaa bbbb cccc"]
    assert wrap_text("aaaa bbbb cccc", 8) == ["aaaa", "bbbb", "cccc"]


def test_whitespace_is_collapsed():
    assert wrap_text("  one\ttwo\n\nthree   four  ", 9) == ["one two", "three", "four"]
    assert wrap_text("a  b", 10) == ["a b"]


def test_long_words_stay_whole():
    assert wrap_text("a supercalifragilistic word", 6) == ["a", "supercalifragilistic", "word"]
    assert wrap_text("abcdefgh", 3) == ["abcdefgh"]


def test_no_words():
    assert wrap_text("", 5) == []
    assert wrap_text(" \n\t ", 5) == []


def test_width_one():
    assert wrap_text("a b c", 1) == ["a", "b", "c"]


def test_bad_width():
    with pytest.raises(ValueError):
        wrap_text("abc", 0)
    with pytest.raises(ValueError):
        wrap_text("abc", -3)


def test_lines_fit_and_keep_words():
    text = ("It was the best of times it was the worst of times it was the age of "
            "wisdom it was the age of foolishness")
    for width in range(5, 40):
        lines = wrap_text(text, width)
        assert all(len(line) <= width or " " not in line for line in lines)
        assert " ".join(lines).split() == text.split()
        for first, second in zip(lines, lines[1:]):
            assert len(first) + 1 + len(second.split()[0]) > width


def test_existing_helpers():
    assert center("ab", 6) == "  ab  "
    assert boxed(["hi"]) == ["+----+", "| hi |", "+----+"]
