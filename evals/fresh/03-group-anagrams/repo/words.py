"""Word helpers for the puzzle generator."""


def letters_key(word):
    """The letters of a word, lower-cased and sorted: equal for anagrams."""
    return "".join(sorted(word.lower()))


def is_anagram(a, b):
    """True when a and b use the same letters the same number of times (case-insensitive)."""
    return letters_key(a) == letters_key(b)


def longest(words):
    """The longest word (the first one when several are equally long), or None."""
    best = None
    for word in words:
        if best is None or len(word) > len(best):
            best = word
    return best
