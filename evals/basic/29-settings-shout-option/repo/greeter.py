"""Greets people according to the settings."""
from settings import parse_settings


def greet(name, settings):
    """Return the greeting for name, e.g. "Hello, Bob."."""
    return f"{settings['greeting']}, {name}{settings['punctuation']}"


def greet_from_text(name, text):
    """Parse the settings text and greet name with it."""
    return greet(name, parse_settings(text))
