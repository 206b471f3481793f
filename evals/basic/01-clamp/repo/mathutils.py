"""Small numeric helpers."""


def lerp(a, b, t):
    """Linear interpolation between a and b (t=0 gives a, t=1 gives b)."""
    return a + (b - a) * t


def sign(x):
    """Return -1, 0 or 1 depending on the sign of x."""
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
