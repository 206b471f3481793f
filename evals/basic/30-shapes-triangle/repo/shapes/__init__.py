"""Shape registry: make(kind, *args) builds a shape by name."""
from shapes.circle import Circle
from shapes.rectangle import Rectangle

REGISTRY = {
    "circle": Circle,
    "rectangle": Rectangle,
}


def make(kind, *args):
    """Build the shape registered under kind, e.g. make("circle", 2.0)."""
    try:
        cls = REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown shape: {kind}") from None
    return cls(*args)
