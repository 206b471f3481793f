import pytest

from cache import LRUCache, TTLCache


def test_put_and_get():
    c = LRUCache(2)
    c.put("a", 1)
    assert c.get("a") == 1
    assert c.get("missing") is None
    assert c.get("missing", 42) == 42


def test_evicts_least_recently_put():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.put("c", 3)
    assert "a" not in c
    assert c.get("b") == 2
    assert c.get("c") == 3
    assert len(c) == 2


def test_get_refreshes_usage():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1
    c.put("c", 3)
    assert "b" not in c
    assert "a" in c and "c" in c


def test_put_existing_key_updates_and_refreshes():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.put("a", 10)
    assert len(c) == 2
    c.put("c", 3)
    assert c.get("a") == 10
    assert "b" not in c


def test_contains_does_not_refresh():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert "a" in c
    c.put("c", 3)
    assert "a" not in c
    assert "b" in c


def test_missing_get_does_not_change_size():
    c = LRUCache(1)
    c.get("x")
    assert len(c) == 0
    c.put("x", None)
    assert "x" in c
    assert len(c) == 1


def test_capacity_one():
    c = LRUCache(1)
    c.put(1, "one")
    c.put(2, "two")
    assert 1 not in c
    assert c.get(2) == "two"


def test_invalid_capacity():
    with pytest.raises(ValueError):
        LRUCache(0)
    with pytest.raises(ValueError):
        LRUCache(-3)


def test_long_sequence():
    c = LRUCache(3)
    for i in range(10):
        c.put(i, i * i)
    assert len(c) == 3
    assert [k for k in range(10) if k in c] == [7, 8, 9]
    c.get(7)
    c.put(10, 100)
    assert [k for k in range(11) if k in c] == [7, 9, 10]


def test_ttl_cache_still_works():
    now = [0.0]
    c = TTLCache(10, clock=lambda: now[0])
    c.put("k", "v")
    assert c.get("k") == "v"
    now[0] = 11
    assert c.get("k") is None
