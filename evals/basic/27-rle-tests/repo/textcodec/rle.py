"""Run-length encoding of text that contains no digits.

encode("aaabcc") == "3a1b2c"; counts may have several digits ("12a").
"""


def encode(text):
    """Run-length encode text: "aaabcc" -> "3a1b2c". The empty string gives ""."""
    if not text:
        return ""
    out = []
    current, count = text[0], 1
    for ch in text[1:]:
        if ch == current:
            count += 1
        else:
            out.append(f"{count}{current}")
            current, count = ch, 1
    out.append(f"{count}{current}")
    return "".join(out)


def decode(encoded):
    """Inverse of encode: "3a1b2c" -> "aaabcc".

    Raises ValueError for a character without a count or a trailing count.
    """
    out = []
    digits = ""
    for ch in encoded:
        if ch.isdigit():
            digits += ch
        else:
            if not digits:
                raise ValueError(f"missing count before {ch!r}")
            out.append(ch * int(digits))
            digits = ""
    if digits:
        raise ValueError("count at the end of the input without a character")
    return "".join(out)
