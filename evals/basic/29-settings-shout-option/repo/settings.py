"""Parsing of the greeter settings file."""

DEFAULTS = {
    "greeting": "Hello",
    "punctuation": ".",
}


def parse_settings(text):
    """Parse "key = value" lines into a settings dict, starting from DEFAULTS.

    Blank lines and lines starting with "#" are ignored.
    Unknown keys raise KeyError.
    """
    settings = dict(DEFAULTS)
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if key not in DEFAULTS:
            raise KeyError(key)
        settings[key] = value
    return settings
