import random

from ranges import compress_ranges, expand_ranges


def test_examples():
    assert compress_ranges([1, 2, 3, 5, 7, 8]) == "1-3,5,7-8"
    assert compress_ranges([10, 3, 2, 3]) == "2-3,10"
    assert compress_ranges([]) == ""


def test_single_and_pairs():
    assert compress_ranges([4]) == "4"
    assert compress_ranges([0, 1]) == "0-1"
    assert compress_ranges([5, 5, 5]) == "5"
    assert compress_ranges([1, 3, 5]) == "1,3,5"


def test_any_iterable():
    assert compress_ranges(range(1, 11)) == "1-10"
    assert compress_ranges({9, 8, 20}) == "8-9,20"
    assert compress_ranges(iter([7, 6, 100, 99, 101])) == "6-7,99-101"


def test_round_trip():
    rng = random.Random(7)
    for _ in range(200):
        numbers = [rng.randint(0, 40) for _ in range(rng.randint(0, 25))]
        assert expand_ranges(compress_ranges(numbers)) == sorted(set(numbers))


def test_expand_unchanged():
    assert expand_ranges("1-3,5") == [1, 2, 3, 5]
