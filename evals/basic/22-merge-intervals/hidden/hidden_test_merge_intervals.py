from intervals import merge_intervals, overlaps


def test_example():
    assert merge_intervals([(8, 10), (1, 3), (2, 6), (15, 18)]) == [(1, 6), (8, 10), (15, 18)]


def test_empty_and_single():
    assert merge_intervals([]) == []
    assert merge_intervals([(2, 4)]) == [(2, 4)]


def test_touching_intervals_merge():
    assert merge_intervals([(1, 3), (3, 5)]) == [(1, 5)]


def test_contained_interval():
    assert merge_intervals([(1, 10), (2, 3), (4, 8)]) == [(1, 10)]


def test_disjoint_unsorted():
    assert merge_intervals([(5, 6), (1, 2), (3, 4)]) == [(1, 2), (3, 4), (5, 6)]


def test_chain_merges_into_one():
    assert merge_intervals([(6, 9), (1, 2), (2, 4), (4, 6)]) == [(1, 9)]


def test_same_start_longer_later():
    assert merge_intervals([(1, 2), (1, 7), (8, 9)]) == [(1, 7), (8, 9)]


def test_zero_length_intervals():
    assert merge_intervals([(3, 3), (3, 3), (5, 5)]) == [(3, 3), (5, 5)]


def test_input_not_modified():
    data = [(4, 5), (1, 2), (2, 3)]
    merge_intervals(data)
    assert data == [(4, 5), (1, 2), (2, 3)]


def test_result_items_are_tuples():
    result = merge_intervals([(1, 2), (2, 3)])
    assert all(isinstance(item, tuple) for item in result)


def test_overlaps_unchanged():
    assert overlaps((1, 3), (3, 4))
    assert not overlaps((1, 2), (3, 4))
