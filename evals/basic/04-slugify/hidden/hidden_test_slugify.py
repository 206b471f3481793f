from blog import slugify


def test_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_lowercases():
    assert slugify("ABC def") == "abc-def"


def test_collapses_runs_and_trims():
    assert slugify("  Rust & Python 3.11 ") == "rust-python-3-11"
    assert slugify("a -- b") == "a-b"


def test_only_separators():
    assert slugify("---") == ""
    assert slugify("") == ""


def test_digits_kept():
    assert slugify("Top 10 tips") == "top-10-tips"


def test_already_slug():
    assert slugify("already-a-slug") == "already-a-slug"


def test_underscores_and_symbols_are_separators():
    assert slugify("snake_case/path?x=1") == "snake-case-path-x-1"
