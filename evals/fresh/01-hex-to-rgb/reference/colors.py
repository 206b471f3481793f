"""Colour helpers for the theme editor."""


def rgb_to_hex(r, g, b):
    """Format a colour as '#rrggbb' (lower-case hex). Channels must be ints 0-255."""
    for channel in (r, g, b):
        if not 0 <= channel <= 255:
            raise ValueError(f"channel out of range: {channel}")
    return f"#{r:02x}{g:02x}{b:02x}"


def mix(rgb1, rgb2):
    """The colour halfway between two (r, g, b) colours, rounded down."""
    return tuple((a + b) // 2 for a, b in zip(rgb1, rgb2))


def grayscale(rgb):
    """The grey (v, v, v) with the same luma as an (r, g, b) colour."""
    r, g, b = rgb
    v = round(0.299 * r + 0.587 * g + 0.114 * b)
    return (v, v, v)


HEX_DIGITS = "0123456789abcdefABCDEF"


def hex_to_rgb(code):
    """Parse '#rrggbb', 'rrggbb', '#rgb' or 'rgb' into an (r, g, b) tuple of ints."""
    digits = code[1:] if code.startswith("#") else code
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) != 6 or any(c not in HEX_DIGITS for c in digits):
        raise ValueError(f"not a hex colour: {code!r}")
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))
