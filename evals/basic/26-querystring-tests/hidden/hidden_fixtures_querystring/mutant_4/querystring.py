"""URL query string helpers for the HTTP router."""
from urllib.parse import quote_plus, unquote_plus


def parse_query(qs):
    """Parse a query string such as "a=1&b=two" into {"a": "1", "b": "two"}.

    Rules:
      - a leading "?" is ignored
      - an empty string (or just "?") gives {}
      - empty pieces ("a=1&&b=2") are skipped
      - a key without "=" gets the value "" ("flag" -> {"flag": ""})
      - "+" and %XX escapes are decoded in keys and values
      - when a key repeats, the last value wins
    """
    if qs.startswith("?"):
        qs = qs[1:]
    result = {}
    for piece in qs.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        result.setdefault(unquote_plus(key), unquote_plus(value))
    return result


def build_query(params):
    """Inverse of parse_query: {"a": "1", "b": "x y"} -> "a=1&b=x+y".

    Keys keep their insertion order; keys and values are escaped with quote_plus.
    """
    return "&".join(f"{quote_plus(str(k))}={quote_plus(str(v))}" for k, v in params.items())
