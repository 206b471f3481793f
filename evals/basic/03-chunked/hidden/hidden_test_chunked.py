import pytest

from listutils import chunked


def test_uneven_split():
    assert chunked([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]


def test_even_split():
    assert chunked([1, 2, 3, 4, 5, 6], 3) == [[1, 2, 3], [4, 5, 6]]


def test_size_larger_than_input():
    assert chunked([1, 2], 5) == [[1, 2]]


def test_size_one():
    assert chunked(["a", "b", "c"], 1) == [["a"], ["b"], ["c"]]


def test_tuple_input_gives_lists():
    assert chunked((1, 2, 3), 3) == [[1, 2, 3]]
    assert all(isinstance(c, list) for c in chunked((1, 2, 3, 4), 3))


def test_empty():
    assert chunked([], 4) == []


def test_invalid_size():
    with pytest.raises(ValueError):
        chunked([1, 2], 0)
    with pytest.raises(ValueError):
        chunked([1, 2], -1)


def test_input_not_modified():
    data = [1, 2, 3]
    chunked(data, 2)
    assert data == [1, 2, 3]
