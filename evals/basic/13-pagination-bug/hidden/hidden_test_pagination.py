import pytest

from pagination import get_page, total_pages

ITEMS = list(range(1, 26))  # 25 items


def test_total_pages_partial_last_page():
    assert total_pages(25, 10) == 3
    assert total_pages(1, 10) == 1
    assert total_pages(11, 10) == 2


def test_total_pages_exact_multiple():
    assert total_pages(20, 10) == 2
    assert total_pages(10, 10) == 1


def test_total_pages_zero_items():
    assert total_pages(0, 10) == 0


def test_first_page():
    assert get_page(ITEMS, 1, 10) == list(range(1, 11))


def test_middle_and_last_page():
    assert get_page(ITEMS, 2, 10) == list(range(11, 21))
    assert get_page(ITEMS, 3, 10) == [21, 22, 23, 24, 25]


def test_past_the_end():
    assert get_page(ITEMS, 4, 10) == []


def test_all_pages_cover_all_items():
    pages = [get_page(ITEMS, p, 7) for p in range(1, total_pages(len(ITEMS), 7) + 1)]
    assert [x for page in pages for x in page] == ITEMS


def test_validation_kept():
    with pytest.raises(ValueError):
        get_page(ITEMS, 0, 10)
    with pytest.raises(ValueError):
        total_pages(10, 0)
