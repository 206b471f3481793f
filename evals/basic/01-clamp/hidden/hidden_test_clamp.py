import pytest

from mathutils import clamp


def test_inside_range_unchanged():
    assert clamp(5, 0, 10) == 5
    assert clamp(0.5, 0.0, 1.0) == 0.5


def test_below_low():
    assert clamp(-3, 0, 10) == 0
    assert clamp(-2.5, -1.0, 1.0) == -1.0


def test_above_high():
    assert clamp(15, 0, 10) == 10
    assert clamp(7.25, 0.0, 7.0) == 7.0


def test_boundaries_inclusive():
    assert clamp(0, 0, 10) == 0
    assert clamp(10, 0, 10) == 10


def test_degenerate_range():
    assert clamp(3, 4, 4) == 4


def test_low_greater_than_high_raises():
    with pytest.raises(ValueError):
        clamp(1, 10, 0)


def test_existing_helpers_still_work():
    from mathutils import lerp, sign
    assert lerp(0, 10, 0.5) == 5
    assert sign(-4) == -1
