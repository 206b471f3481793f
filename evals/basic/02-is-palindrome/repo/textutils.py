"""String helpers."""


def reverse(text):
    """Return text reversed."""
    return text[::-1]


def count_words(text):
    """Return the number of whitespace-separated words in text."""
    return len(text.split())
