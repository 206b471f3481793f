"""Letter statistics for the word game."""

VOWELS = "aeiou"


def count_vowels(text):
    """Return how many vowels (a, e, i, o, u) text contains."""
    return sum(1 for ch in text if ch in VOWELS)


def count_consonants(text):
    """Return how many letters of text are not vowels."""
    return sum(1 for ch in text.lower() if ch.isalpha() and ch not in VOWELS)
