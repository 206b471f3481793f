import math

import pytest

import shapes
from shapes.base import Shape
from shapes.triangle import Triangle


def test_is_a_shape():
    t = Triangle(3, 4, 5)
    assert isinstance(t, Shape)
    assert t.name == "triangle"


def test_area_and_perimeter():
    t = Triangle(3, 4, 5)
    assert t.area() == pytest.approx(6.0)
    assert t.perimeter() == pytest.approx(12)


def test_equilateral():
    t = Triangle(2, 2, 2)
    assert t.area() == pytest.approx(math.sqrt(3))
    assert t.perimeter() == pytest.approx(6)


def test_describe():
    assert Triangle(3, 4, 5).describe() == "triangle with area 6.00"


def test_registered():
    assert shapes.REGISTRY["triangle"] is Triangle
    t = shapes.make("triangle", 3, 4, 5)
    assert isinstance(t, Triangle)
    assert t.area() == pytest.approx(6.0)


@pytest.mark.parametrize("sides", [(1, 2, 3), (1, 1, 5), (5, 1, 1), (0, 1, 1), (-3, 4, 5), (3, 4, 0)])
def test_invalid_triangles(sides):
    with pytest.raises(ValueError):
        Triangle(*sides)
    with pytest.raises(ValueError):
        shapes.make("triangle", *sides)


def test_existing_shapes_still_work():
    assert shapes.make("rectangle", 2, 3).area() == 6
    assert shapes.make("circle", 1).area() == pytest.approx(math.pi)
    with pytest.raises(ValueError):
        shapes.make("hexagon", 1)
