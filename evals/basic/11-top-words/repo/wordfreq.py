"""Word frequency helpers."""
import re

WORD_RE = re.compile(r"[a-z0-9]+")


def tokenize(text):
    """Split text into lower-case words made of letters and digits."""
    return WORD_RE.findall(text.lower())


def unique_words(text):
    """Return the set of distinct words in text."""
    return set(tokenize(text))
