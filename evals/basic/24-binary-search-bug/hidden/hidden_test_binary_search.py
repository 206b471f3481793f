from search import binary_search, contains


def test_reported_cases():
    assert binary_search([1, 3, 5, 7], 7) == 3
    assert binary_search([1, 3, 5, 7], 1) == 0
    assert binary_search([5], 5) == 0


def test_every_element_is_found():
    for size in range(0, 30):
        items = [i * 2 for i in range(size)]
        for index, value in enumerate(items):
            assert binary_search(items, value) == index, (size, value)


def test_absent_values():
    for size in range(0, 30):
        items = [i * 2 for i in range(size)]
        for value in range(-1, size * 2 + 1, 2):
            assert binary_search(items, value) == -1, (size, value)


def test_empty():
    assert binary_search([], 1) == -1


def test_strings():
    words = ["apple", "banana", "cherry", "date"]
    assert binary_search(words, "date") == 3
    assert binary_search(words, "fig") == -1


def test_contains():
    assert contains([1, 3, 5, 7], 7)
    assert contains([2], 2)
    assert not contains([1, 3, 5, 7], 4)
    assert not contains([], 4)
